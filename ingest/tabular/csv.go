package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ReadCSV reads a CSV (or semicolon- or tab-separated) file.
//
// The text may be UTF-8, with or without a byte-order mark, or
// Windows-1252: bytes that are not valid UTF-8 are taken as Windows-1252,
// which is what Danish Excel and older SAS exports write ("Sjælland" with æ
// as the single byte 0xE6). Latin-1 is the same for every letter these files
// use. A UTF-16 file with a byte-order mark, Excel's "Unicode text" export,
// is decoded too, because it would otherwise pass as garbled Windows-1252.
//
// Quoted fields may hold separators and newlines, and stray quotes are kept
// as text. Rows keep the length they have in the file. Each cell is trimmed
// of surrounding white space, including no-break spaces. Blank lines stay as
// empty rows so that row numbers in messages match what a spreadsheet shows;
// trailing rows that are empty or hold only empty cells are dropped.
func ReadCSV(name string, data []byte, opt Options) (*Grid, error) {
	text := decodeText(data)
	comma := opt.Comma
	if comma == 0 {
		comma = sniffComma(text)
	}
	if !validComma(comma) {
		return nil, fmt.Errorf("%s: %q cannot separate CSV fields", name, comma)
	}

	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1

	rows := [][]string{}
	var prev int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// encoding/csv skips blank lines silently; put them back so that
		// "row 7" in a message is the seventh row the user sees.
		off := r.InputOffset()
		for range blankLines(text[prev:off]) {
			rows = append(rows, []string{})
		}
		prev = off
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, rec)
	}
	return &Grid{Name: name, Rows: dropTrailingEmpty(rows)}, nil
}

// validComma reports whether encoding/csv accepts c as a separator.
func validComma(c rune) bool {
	return c != '"' && c != '\r' && c != '\n' && c != utf8.RuneError && utf8.ValidRune(c)
}

// blankLines counts the empty lines at the start of s, the ones
// encoding/csv skipped before the record that s ends with.
func blankLines(s string) int {
	n := 0
	for {
		switch {
		case strings.HasPrefix(s, "\n"):
			s = s[1:]
		case strings.HasPrefix(s, "\r\n"):
			s = s[2:]
		default:
			return n
		}
		n++
	}
}

// dropTrailingEmpty drops the rows at the end that hold no text: exports
// often end in blank lines or in lines of bare separators.
func dropTrailingEmpty(rows [][]string) [][]string {
	for len(rows) > 0 && isEmptyRow(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	return rows
}

func isEmptyRow(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

// sniffComma picks the separator that occurs most often outside quotes in
// the first non-empty line: ';' (Danish exports, since ',' is the decimal
// comma), ',' or '\t'. Ties and lines without any go to ';'. A file whose
// first line is a title or a row of decimal commas can fool this; such a
// caller sets Options.Comma.
func sniffComma(text string) rune {
	line := firstNonEmptyLine(text)
	counts := map[rune]int{}
	inQuotes := false
	for _, c := range line {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case !inQuotes && (c == ';' || c == ',' || c == '\t'):
			counts[c]++
		}
	}
	best := ';'
	for _, c := range []rune{',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// firstNonEmptyLine returns the first line that holds more than white space.
// A newline inside quotes does not end the line, so a quoted heading that
// wraps is counted whole.
func firstNonEmptyLine(text string) string {
	for len(text) > 0 {
		end, inQuotes := len(text), false
		for i := 0; i < len(text); i++ {
			if text[i] == '"' {
				inQuotes = !inQuotes
			} else if text[i] == '\n' && !inQuotes {
				end = i
				break
			}
		}
		line := text[:end]
		if strings.TrimFunc(line, unicode.IsSpace) != "" {
			return line
		}
		if end == len(text) {
			break
		}
		text = text[end+1:]
	}
	return ""
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns the file's bytes into UTF-8 text; see ReadCSV for the
// encodings it recognises.
func decodeText(data []byte) string {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		data = data[len(utf8BOM):]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data[2:], true)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return decodeWindows1252(data)
}

// decodeUTF16 decodes UTF-16 text; a dangling odd byte and unpaired
// surrogates become U+FFFD so the result is always valid UTF-8.
func decodeUTF16(data []byte, bigEndian bool) string {
	units := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		if bigEndian {
			units = append(units, uint16(data[i])<<8|uint16(data[i+1]))
		} else {
			units = append(units, uint16(data[i+1])<<8|uint16(data[i]))
		}
	}
	s := string(utf16.Decode(units))
	if len(data)%2 == 1 {
		s += string(utf8.RuneError)
	}
	return s
}

// cp1252 maps the bytes 0x80–0x9F, where Windows-1252 differs from Latin-1,
// to Unicode. The five bytes Windows-1252 leaves undefined map to the C1
// control characters of the same value, as browsers do.
var cp1252 = [32]rune{
	'€', '\u0081', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u008D', 'Ž', '\u008F',
	'\u0090', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u009D', 'ž', 'Ÿ',
}

// decodeWindows1252 decodes Windows-1252 text. Bytes from 0xA0 up are
// Latin-1 and so equal their code point: 0xE6 is æ, 0xD8 is Ø.
func decodeWindows1252(data []byte) string {
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}
