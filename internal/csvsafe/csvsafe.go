// Package csvsafe writes CSV that a spreadsheet opens as data: a text
// cell that starts like a formula is neutralised, so a value someone
// submitted (a request id, a heading, a message) cannot run as one in the
// officials' spreadsheets. Every CSV export of kpv writes through it.
package csvsafe

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// Cell returns s as it is safe to put in a spreadsheet: a text cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe (OWASP's advice), which spreadsheets show as text. Numbers
// such as -2.1, or -2,1 with a Danish decimal comma, are left as they are.
func Cell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil && !strings.Contains(s, ".") {
		return s
	}
	return "'" + s
}

// Writer is a csv.Writer whose every cell goes through Cell.
type Writer struct{ w *csv.Writer }

// NewWriter returns a Writer to out.
func NewWriter(out io.Writer) *Writer { return &Writer{csv.NewWriter(out)} }

// NewWriterComma returns a Writer to out that separates fields by comma
// (';' for a Danish spreadsheet, whose decimal separator is the comma).
func NewWriterComma(out io.Writer, comma rune) *Writer {
	w := csv.NewWriter(out)
	w.Comma = comma
	return &Writer{w}
}

// Write writes one record.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, s := range record {
		safe[i] = Cell(s)
	}
	return w.w.Write(safe)
}

// Flush writes any buffered data.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
