package indicators

// VerdictRule is the stated rule by which each goal gets its verdict from
// its indicators' statuses (assess.GoalVerdict), shown in the report.
type VerdictRule struct {
	// OnTrackShare is the least share of a goal's indicators that must be
	// on track or have reached their target for the goal to be on track.
	OnTrackShare float64 `yaml:"on_track_share" json:"on_track_share"`
	RuleDA       string  `yaml:"rule_da" json:"rule_da"`
	RuleEN       string  `yaml:"rule_en" json:"rule_en"`
	Basis        string  `yaml:"basis" json:"basis"`
	Line         int     `yaml:"-" json:"-"`
}

// validateVerdict checks the verdict rule: a share in (0, 1] and the rule
// stated in Danish and English.
func validateVerdict(p *problems, c *Catalogue) {
	v := c.Verdict
	if !(v.OnTrackShare > 0 && v.OnTrackShare <= 1) {
		p.add(v.Line, "verdict.on_track_share %v must be above 0 and at most 1", v.OnTrackShare)
	}
	if v.RuleDA == "" || v.RuleEN == "" || v.Basis == "" {
		p.add(v.Line, "verdict needs rule_da, rule_en and basis")
	}
}
