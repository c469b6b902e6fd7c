package view

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/internal/csvsafe"
)

// CSVDialect is how kpv writes a CSV: for a Danish Excel by default
// (semicolons, decimal comma, a UTF-8 byte order mark so Excel reads the
// æ, ø and å, values rounded as the pages and the report show them), or
// for programs (commas and decimal points, no mark). The indicator pages'
// and the report's CSV both write through it, and through csvsafe.
type CSVDialect struct {
	Name  string
	Comma rune
	Point string
	BOM   bool
}

// The two dialects: Danish Excel (the default) and programs.
var (
	DialectExcelDA = CSVDialect{Name: "excel", Comma: ';', Point: ",", BOM: true}
	DialectProgram = CSVDialect{Name: "program", Comma: ',', Point: "."}
)

// Dialect is the dialect a request's dialect parameter names: "" or
// "excel" for Danish Excel, "program" for programs.
func Dialect(name string) (CSVDialect, error) {
	switch name {
	case "", DialectExcelDA.Name:
		return DialectExcelDA, nil
	case DialectProgram.Name:
		return DialectProgram, nil
	}
	return CSVDialect{}, fmt.Errorf("unknown dialect %q; one of excel (Danish Excel, the default), program", name)
}

// Number writes a figure rounded as shown (two decimals at most), with the
// dialect's decimal mark and no thousands separator (a spreadsheet reads
// the number either way).
func (d CSVDialect) Number(v float64) string {
	s := strconv.FormatFloat(RoundShown(v), 'f', -1, 64)
	if s == "-0" {
		s = "0"
	}
	return strings.Replace(s, ".", d.Point, 1)
}

// RoundShown rounds a figure as the pages and the report show it: two
// decimals at most.
func RoundShown(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return r
}

// Writer starts a CSV in the dialect on out (the byte order mark first,
// where the dialect has one); every cell goes through csvsafe.
func (d CSVDialect) Writer(out io.Writer) *csvsafe.Writer {
	if d.BOM {
		_, _ = io.WriteString(out, "\ufeff")
	}
	return csvsafe.NewWriterComma(out, d.Comma)
}
