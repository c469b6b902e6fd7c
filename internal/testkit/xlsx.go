package testkit

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteXLSX writes a workbook of one sheet ("Tabel 1") to w with
// archive/zip, streaming: rows writes the sheet's <sheetData> content, so
// a sheet of hundreds of megabytes (a zip bomb for a reader) costs the
// test no memory; shared, if any, is the shared string table (cells refer
// to it with t="s"). The bounded readers in ingest/tabular are tested with
// it.
func WriteXLSX(w io.Writer, rows func(*bufio.Writer), shared ...string) error {
	z := zip.NewWriter(w)
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	override := ""
	if len(shared) > 0 {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		override = `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	}
	parts := [][2]string{
		{"[Content_Types].xml", head + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` + override + `</Types>`},
		{"_rels/.rels", head + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", head + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Tabel 1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", head + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`},
	}
	if len(shared) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, `%s<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, head, len(shared), len(shared))
		for _, s := range shared {
			fmt.Fprintf(&b, "<si><t>%s</t></si>", s)
		}
		b.WriteString("</sst>")
		parts = append(parts, [2]string{"xl/sharedStrings.xml", b.String()})
	}
	for _, p := range parts {
		pw, err := z.Create(p[0])
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, p[1]); err != nil {
			return err
		}
	}
	pw, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(pw, 1<<20)
	bw.WriteString(head + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	rows(bw)
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}
