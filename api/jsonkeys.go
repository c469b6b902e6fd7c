package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// duplicateKey finds an object in a JSON document that names a key twice.
// encoding/json keeps the last value silently, so a submission
// {"value": 58, "value": 85} would store 85 without a word: it is refused,
// naming where. A document that is not JSON is left to the decoder's own
// message (nil here).
func duplicateKey(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	_, err := dupIn(dec, "")
	return err
}

// dupIn reads one value at path; for an object or array it reads it whole.
// ok is false when the document ended or broke (the decoder says how).
func dupIn(dec *json.Decoder, path string) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return false, nil
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return false, nil
			}
			k, _ := kt.(string)
			if seen[k] {
				return false, fmt.Errorf("%s names the key %s twice: give each field once", cmpPath(path), strconv.Quote(k))
			}
			seen[k] = true
			if ok, err := dupIn(dec, path+"."+k); !ok || err != nil {
				return ok, err
			}
		}
		_, err := dec.Token()
		return err == nil, nil
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if ok, err := dupIn(dec, fmt.Sprintf("%s[%d]", path, i)); !ok || err != nil {
				return ok, err
			}
		}
		_, err := dec.Token()
		return err == nil, nil
	}
	return true, nil
}

func cmpPath(p string) string {
	if p == "" {
		return "the body"
	}
	if p[0] == '.' {
		return p[1:]
	}
	return p
}
