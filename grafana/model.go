package grafana

import (
	"bytes"
	"encoding/json"
)

// The subset of Grafana's dashboard JSON model kpv writes. No Grafana Go
// SDK can be had through the module proxy here, so these are our own
// structs; fields follow the model of Grafana 10–12 (schemaVersion 39).
// Free-form parts (fieldConfig, options) are maps, marshalled with sorted
// keys, so the output is deterministic.

// Fixed data source UIDs: the dashboards refer to these, and
// provisioning/datasources/kpv.yaml provisions them, so the dashboards work
// in any Grafana that loads kpv's provisioning.
const (
	PrometheusUID = "kpv-prometheus"
	PostgresUID   = "kpv-postgres"

	prometheusType = "prometheus"
	// Grafana 10.4 renamed the core PostgreSQL plugin from "postgres"; the
	// old id is still accepted and migrated.
	postgresType = "grafana-postgresql-datasource"
)

var (
	promDS = &DSRef{Type: prometheusType, UID: PrometheusUID}
	pgDS   = &DSRef{Type: postgresType, UID: PostgresUID}
)

// Dashboard is one dashboard file.
type Dashboard struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Tags          []string       `json:"tags"`
	Editable      bool           `json:"editable"`
	GraphTooltip  int            `json:"graphTooltip"`
	Timezone      string         `json:"timezone"`
	SchemaVersion int            `json:"schemaVersion"`
	Version       int            `json:"version"`
	Refresh       string         `json:"refresh"`
	Time          TimeRange      `json:"time"`
	Annotations   Annotations    `json:"annotations"`
	Templating    Templating     `json:"templating"`
	Links         []DashLink     `json:"links"`
	Panels        []*Panel       `json:"panels"`
	FiscalYear    int            `json:"fiscalYearStartMonth"`
	LiveNow       bool           `json:"liveNow"`
	WeekStart     string         `json:"weekStart"`
	TimePicker    map[string]any `json:"timepicker"`
}

// TimeRange is the dashboard's default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Annotations is kept empty (Grafana adds its built-in one).
type Annotations struct {
	List []any `json:"list"`
}

// Templating holds the dashboard variables.
type Templating struct {
	List []*Variable `json:"list"`
}

// Variable is a dashboard variable: custom (a fixed list from the
// catalogue) or query (from Prometheus, read when the dashboard loads).
type Variable struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"`
	Query       string   `json:"query"`
	Datasource  *DSRef   `json:"datasource,omitempty"`
	Refresh     int      `json:"refresh,omitempty"`
	Multi       bool     `json:"multi"`
	IncludeAll  bool     `json:"includeAll"`
	Hide        int      `json:"hide"`
	Current     Option   `json:"current"`
	Options     []Option `json:"options"`
	SkipURLSync bool     `json:"skipUrlSync"`
}

// Option is one value of a variable. Text and Value are strings, or string
// lists for a multi-value selection.
type Option struct {
	Selected bool `json:"selected"`
	Text     any  `json:"text"`
	Value    any  `json:"value"`
}

// DashLink is a link in the dashboard's header.
type DashLink struct {
	Title string `json:"title"`
	Type  string `json:"type"`
	URL   string `json:"url,omitempty"`
	// Grafana's schema requires tooltip and icon on every link, even empty.
	Tooltip     string   `json:"tooltip"`
	Icon        string   `json:"icon"`
	Tags        []string `json:"tags"`
	AsDropdown  bool     `json:"asDropdown"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
	TargetBlank bool     `json:"targetBlank"`
}

// DSRef names a data source by its type and fixed UID.
type DSRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Link is a panel link or a data link.
type Link struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	TargetBlank bool   `json:"targetBlank,omitempty"`
}

// Panel is a panel or a row.
type Panel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	Description     string           `json:"description,omitempty"`
	GridPos         GridPos          `json:"gridPos"`
	Datasource      *DSRef           `json:"datasource,omitempty"`
	Targets         []*Target        `json:"targets,omitempty"`
	Links           []Link           `json:"links,omitempty"`
	FieldConfig     map[string]any   `json:"fieldConfig,omitempty"`
	Options         map[string]any   `json:"options,omitempty"`
	Transformations []map[string]any `json:"transformations,omitempty"`
	// Rows only.
	Collapsed *bool    `json:"collapsed,omitempty"`
	Panels    []*Panel `json:"panels,omitempty"`
}

// MarshalJSON writes a row's panels even when there are none: Grafana's
// schema requires `panels` on a row (an expanded row holds them in the
// dashboard's list, so it is empty), and other panels have none.
func (p *Panel) MarshalJSON() ([]byte, error) {
	type plain Panel
	if p.Type != "row" {
		return marshalNoEscape((*plain)(p))
	}
	panels := p.Panels
	if panels == nil {
		panels = []*Panel{}
	}
	return marshalNoEscape(struct {
		*plain
		Panels []*Panel `json:"panels"`
	}{(*plain)(p), panels})
}

// marshalNoEscape keeps <, > and & readable in the SQL, as Write does.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Target is one query of a panel: PromQL (Expr) or SQL (RawSQL).
type Target struct {
	RefID      string `json:"refId"`
	Datasource *DSRef `json:"datasource"`

	Expr         string `json:"expr,omitempty"`
	LegendFormat string `json:"legendFormat,omitempty"`
	Instant      *bool  `json:"instant,omitempty"`
	Range        *bool  `json:"range,omitempty"`

	RawSQL     string `json:"rawSql,omitempty"`
	RawQuery   bool   `json:"rawQuery,omitempty"`
	EditorMode string `json:"editorMode,omitempty"`
	// Format is "table" or "time_series".
	Format string `json:"format,omitempty"`
}
