package assess

// Danish and English labels for the states, for the API, alerts and the
// report: the officials read Danish; English goes alongside.
var (
	StatusLabels = map[Status][2]string{
		TargetAchieved:    {"Mål nået", "Target achieved"},
		OnTrack:           {"På rette spor", "On track"},
		NeedsAcceleration: {"Kræver acceleration", "Needs acceleration"},
		OffTrack:          {"Ikke på rette spor", "Off track"},
		Deterioration:     {"Forværring", "Deterioration"},
		// defend.go: a direction only where the change is significant.
		NoSignificantChange: {"Ingen signifikant ændring", "No significant change"},
		SignificanceUnknown: {"Signifikans ukendt", "Significance unknown"},
		AwaitingFigure:      {"Afventer første tal efter udgangspunktet", "Awaiting the first figure after the baseline"},
		SeriesBreak:         {"Brud i serien: ingen udvikling beregnes", "Series break: no change computed"},
		NotAssessable:       {"Kan ikke vurderes: ingen tal", "Not assessable: no figures"},
	}
	ComparisonLabels = map[Comparison][2]string{
		Better:        {"Bedre end landet", "Better than Denmark"},
		Similar:       {"Som landet", "Similar to Denmark"},
		Worse:         {"Dårligere end landet", "Worse than Denmark"},
		NotComparable: {"Kan ikke sammenlignes", "Not comparable"},
	}
	FreshLabels = map[FreshState][2]string{
		Fresh:   {"Aktuel", "Up to date"},
		Overdue: {"Intet nyere tal i kpv", "No later figure in kpv"},
		NoData:  {"Ingen data", "No data"},
	}
)

// severity orders progress states from worst to best, for picking the
// state that represents an indicator with several series.
var severity = map[Status]int{Deterioration: 0, OffTrack: 1, SignificanceUnknown: 2, NoSignificantChange: 3, NeedsAcceleration: 4, OnTrack: 5, TargetAchieved: 6, AwaitingFigure: 7, SeriesBreak: 7, NotAssessable: 8}
