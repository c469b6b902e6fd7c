package cli

import (
	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/monitor"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

// The store serves every package's view of it; a method it loses or
// changes fails the build here, not at a distant call.
var (
	_ api.Store            = (*store.Store)(nil)
	_ monitor.FigureSource = (*store.Store)(nil)
	_ report.Reader        = (*store.Store)(nil)
)
