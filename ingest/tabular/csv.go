package tabular

import (
	"bufio"
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
	cr, err := NewCSVReader(name, bytes.NewReader(data), opt)
	if err != nil {
		return nil, err
	}
	rows := [][]string{}
	for {
		rec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
	return &Grid{Name: name, Rows: dropTrailingEmpty(rows)}, nil
}

// CSVReader reads a CSV file row by row, the way ReadCSV reads it whole,
// so that a large export is never held in memory: only the row at hand and
// a read buffer are. It does not drop trailing empty rows (it cannot know
// they are trailing); they come back as rows with no text.
type CSVReader struct {
	name string
	r    *csv.Reader
	text *recorder
	prev int64 // input offset after the last record
	rec  []string
	// blank is how many blank lines to return before rec.
	blank int
	row   int
}

// NewCSVReader starts reading a CSV file from in; see ReadCSV for the
// encodings and separators it recognises. in is read twice when it is not
// UTF-16: once to tell UTF-8 from Windows-1252 (which takes the whole
// file), then for the rows. A UTF-16 file (a small Excel export) is
// decoded whole.
func NewCSVReader(name string, in io.ReadSeeker, opt Options) (*CSVReader, error) {
	var head [3]byte
	n, err := io.ReadFull(in, head[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var src io.Reader
	switch {
	case n >= 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF):
		if _, err := in.Seek(2, io.SeekStart); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		data, err := io.ReadAll(io.LimitReader(in, MaxUTF16+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(data) > MaxUTF16 {
			return nil, tooLarge(name, "a UTF-16 text file is read whole, and this one is larger than the %s kpv reads so; save it as UTF-8 CSV", mib(MaxUTF16))
		}
		src = strings.NewReader(decodeUTF16(data, head[0] == 0xFE))
	default:
		start := int64(0)
		if n == 3 && bytes.Equal(head[:], utf8BOM) {
			start = 3
		}
		if _, err := in.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		valid, err := validUTF8(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, err := in.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		src = in
		if !valid {
			src = &cp1252Reader{r: in}
		}
	}
	buf := bufio.NewReaderSize(src, 256<<10)
	comma := opt.Comma
	if comma == 0 {
		// The first line decides; it is peeked at, not consumed.
		first, _ := buf.Peek(buf.Size())
		comma = sniffComma(string(first))
	}
	if !validComma(comma) {
		return nil, fmt.Errorf("%s: %q cannot separate CSV fields", name, comma)
	}
	text := &recorder{r: buf, limit: MaxRowBytes}
	r := csv.NewReader(text)
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	return &CSVReader{name: name, r: r, text: text, row: -1}, nil
}

// Next returns the next row, or io.EOF after the last. Cells are trimmed;
// blank lines come back as empty rows, so that row numbers match what a
// spreadsheet shows.
func (c *CSVReader) Next() ([]string, error) {
	if c.blank > 0 {
		c.blank--
		c.row++
		return []string{}, nil
	}
	if c.rec != nil {
		rec := c.rec
		c.rec = nil
		c.row++
		return rec, nil
	}
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if errors.Is(err, errLongRow) {
		return nil, tooLarge(c.name, "the row after row %d runs on for more than %s (a line without a line break, or a quote never closed): more than kpv reads as one row",
			c.row+1, mib(MaxRowBytes))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	// encoding/csv skips blank lines silently; put them back so that
	// "row 7" in a message is the seventh row the user sees.
	off := c.r.InputOffset()
	c.blank = blankLines(c.text.since(c.prev, off))
	c.prev = off
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	c.rec = rec
	return c.Next()
}

// Row is the index from 0 of the row Next returned last, as Grid.Rows
// would hold it.
func (c *CSVReader) Row() int { return c.row }

// The bounds of what a CSVReader holds: one row, and a UTF-16 file (which
// is decoded whole). A file beyond them is refused with ErrTooLarge, so a
// file of any size without a line break cannot take memory in proportion
// to its size.
const (
	// MaxRowBytes bounds one row as it stands in the file, its line or
	// the lines of a quoted field that spans several.
	MaxRowBytes = 1 << 20
	// MaxUTF16 bounds a UTF-16 file.
	MaxUTF16 = 16 << 20
)

// errLongRow is what the recorder answers once a row passes MaxRowBytes.
var errLongRow = errors.New("row too long")

// recorder keeps the text encoding/csv has read but not yet accounted
// for, to find the blank lines it skipped. It refuses to read on once
// more than limit bytes have come since the end of the last row.
type recorder struct {
	r     io.Reader
	buf   []byte
	base  int64 // input offset of buf[0]
	done  int64 // input offset after the last row
	limit int64
}

func (t *recorder) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	if t.limit > 0 && t.base+int64(len(t.buf))-t.done > t.limit {
		return n, errLongRow
	}
	return n, err
}

// since returns the text between the input offsets from and to, and
// forgets the text before to.
func (t *recorder) since(from, to int64) string {
	s := string(t.buf[from-t.base : to-t.base])
	t.done = to
	// Drop what is consumed now and then, not after every row: the
	// rest is at most encoding/csv's read buffer.
	if used := to - t.base; used > 64<<10 {
		t.buf = append(t.buf[:0], t.buf[used:]...)
		t.base = to
	}
	return s
}

// validUTF8 reports whether the text r yields is valid UTF-8, reading it
// in pieces.
func validUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		data := buf[:carry+n]
		eof := errors.Is(err, io.EOF)
		if err != nil && !eof {
			return false, err
		}
		// Hold back a rune cut by the end of the piece.
		cut := len(data)
		if !eof {
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						cut = i
					}
					break
				}
			}
		}
		if !utf8.Valid(data[:cut]) {
			return false, nil
		}
		if eof {
			return true, nil
		}
		carry = copy(buf, data[cut:])
	}
}

// cp1252Reader decodes Windows-1252 text into UTF-8 as it is read.
type cp1252Reader struct {
	r   io.Reader
	in  []byte
	out []byte
}

func (c *cp1252Reader) Read(p []byte) (int, error) {
	if len(c.out) == 0 {
		if c.in == nil {
			c.in = make([]byte, 32<<10)
		}
		n, err := c.r.Read(c.in)
		c.out = append(c.out[:0], decodeWindows1252(c.in[:n])...)
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
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
