package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// NORDCAN's headings and title rows, read by their grammar rather than
// split at every comma: "Colon", "Colon (Males)", "Colon - Females, 5-year",
// "Prostate 5y", "5-years survival", "Vulva, vagina and other females genital
// organs (Females)", "Age-standardised relative survival (%)". A heading is
// made of parts separated by " - ", brackets or commas; each part is a
// cancer entity of the catalogue (whose name may itself hold commas: the
// longest run of comma-separated pieces that names one wins), a sex, a
// follow-up, or words naming the measure. Anything else is an error naming
// that part.

// nordcanHeading is what a heading says; "" for what it does not say.
type nordcanHeading struct {
	entity, sex, end string
}

// headingSegments splits a heading at " - " and brackets (never inside an
// entity name); commas are handled piece by piece.
var headingSegments = regexp.MustCompile(`\s*[()\[\]]\s*(?:[-–]\s+)?|\s+[-–]\s+`)

// followUpPart matches a follow-up: "5y", "5 yr", "5-year", "5-years
// survival", "1 year relative survival", "five-year", "5-års overlevelse".
var followUpPart = regexp.MustCompile(`(?i)^(\d{1,2}|one|three|five|ten)\s*-?\s*(?:y|yrs?|years?|år|års|årig|-årig)\b\.?(?:\s+(?:age[- ]standardi[sz]ed\s+)?(?:relative\s+|net\s+|relativ\s+)?(?:survival|overlevelse))?$`)

// measurePart matches words naming what the figures are, which say nothing
// the source does not already keep: "relative survival", "%".
var measurePart = regexp.MustCompile(`(?i)^(?:age[- ]standardi[sz]ed\s+)?(?:relative\s+|net\s+|relativ\s+)?(?:survival|overlevelse)(?:\s*\(?%\)?)?$|^%$|^percent$|^pct\.?$`)

// proportionPart matches a heading saying its figures are proportions,
// which the source (kept in percent) does not hold.
var proportionPart = regexp.MustCompile(`(?i)^(?:proportions?|fraction|andel(?:e)?)$`)

var spelledYears = map[string]string{"one": "1", "three": "3", "five": "5", "ten": "10"}

// sexWords are how NORDCAN and Danish tables name the sexes.
var sexWords = map[string]string{
	"males": "male", "male": "male", "men": "male", "mænd": "male", "mand": "male", "1": "male",
	"females": "female", "female": "female", "women": "female", "kvinder": "female", "kvinde": "female", "2": "female",
	"both sexes": "total", "both": "total", "begge køn": "total", "i alt": "total", "total": "total",
	"males and females": "total", "men and women": "total", "mænd og kvinder": "total", "0": "total", "3": "total",
}

// parseFollowUp reads a follow-up part into its years ("5").
func parseFollowUp(s string) (string, bool) {
	m := followUpPart.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	if y, ok := spelledYears[strings.ToLower(m[1])]; ok {
		return y, true
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n == 0 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// readHeading reads a heading or title cell. An error names the part it
// did not understand, quoted as the file has it.
func (b *batch) readHeading(label string) (nordcanHeading, error) {
	var h nordcanHeading
	set := func(what *string, name, v, part string) error {
		if *what != "" && *what != v {
			return fmt.Errorf("the heading %q names two %s (%s, then %s in %q)", label, name, *what, v, part)
		}
		*what = v
		return nil
	}
	// "Prostate 5y": a follow-up written after the entity with no separator.
	label = strings.TrimSpace(label)
	rest := label
	if m := trailingFollowUp.FindStringSubmatchIndex(rest); m != nil && m[0] > 0 {
		if end, ok := parseFollowUp(rest[m[0]:]); ok {
			h.end = end
			rest = rest[:m[0]]
		}
	}
	for _, seg := range headingSegments.Split(rest, -1) {
		pieces := strings.Split(seg, ",")
		for i := 0; i < len(pieces); {
			one := strings.TrimSpace(pieces[i])
			if one == "" {
				i++
				continue
			}
			// The longest run of pieces from i that names an entity.
			matched := 0
			for j := len(pieces); j > i; j-- {
				name := strings.TrimSpace(strings.Join(pieces[i:j], ","))
				if e, ok := b.cat.CancerEntity(name); ok {
					if err := set(&h.entity, "cancer entities", strconv.Itoa(e.Code), name); err != nil {
						return h, err
					}
					matched = j - i
					break
				}
			}
			if matched > 0 {
				i += matched
				continue
			}
			var err error
			switch {
			case sexWords[strings.ToLower(one)] != "":
				err = set(&h.sex, "sexes", sexWords[strings.ToLower(one)], one)
			case followUpPart.MatchString(one):
				end, _ := parseFollowUp(one)
				err = set(&h.end, "follow-ups", end, one)
			case measurePart.MatchString(one):
			case proportionPart.MatchString(one):
				return h, fmt.Errorf("the heading %q says its figures are %s; the source keeps survival in percent", label, one)
			default:
				// Quote the whole run of pieces not understood: a name with
				// commas ("Vulva, vagina and …") is named whole.
				j := i + 1
				for j < len(pieces) && !b.knownPart(strings.TrimSpace(pieces[j])) {
					j++
				}
				part := strings.TrimSpace(strings.Join(pieces[i:j], ","))
				if part == label {
					return h, fmt.Errorf("the heading %q is not a cancer entity of the catalogue, a sex or a follow-up", label)
				}
				return h, fmt.Errorf("in the heading %q, %q is not a cancer entity of the catalogue, a sex or a follow-up", label, part)
			}
			if err != nil {
				return h, err
			}
			i++
		}
	}
	return h, nil
}

// knownPart reports whether one comma-separated piece of a heading is
// something the grammar reads on its own.
func (b *batch) knownPart(p string) bool {
	if _, ok := b.cat.CancerEntity(p); ok {
		return true
	}
	return sexWords[strings.ToLower(p)] != "" || followUpPart.MatchString(p) || measurePart.MatchString(p) || proportionPart.MatchString(p)
}
