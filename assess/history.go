package assess

import "slices"

// History is every period's figure of the series, oldest first (suppressed
// periods left out), for pages that draw the series from the snapshot.
func (s *Series) History() []Figure {
	return slices.Clone(s.history)
}
