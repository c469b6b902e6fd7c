package alerts

import (
	"fmt"

	"github.com/kraeftplan/kpv/indicators"
)

// AlertmanagerConfig is the subset of Alertmanager's configuration kpv writes.
type AlertmanagerConfig struct {
	Global       Global        `yaml:"global"`
	Route        Route         `yaml:"route"`
	InhibitRules []InhibitRule `yaml:"inhibit_rules"`
	Receivers    []Receiver    `yaml:"receivers"`
}

// Global holds the mail relay.
type Global struct {
	SMTPSmarthost  string `yaml:"smtp_smarthost"`
	SMTPFrom       string `yaml:"smtp_from"`
	SMTPRequireTLS bool   `yaml:"smtp_require_tls"`
}

// Route is a node of the routing tree.
type Route struct {
	Receiver       string   `yaml:"receiver"`
	GroupBy        []string `yaml:"group_by,omitempty"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Matchers       []string `yaml:"matchers,omitempty"`
	Continue       bool     `yaml:"continue,omitempty"`
	Routes         []Route  `yaml:"routes,omitempty"`
}

// InhibitRule mutes target alerts while a source alert fires.
type InhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal,omitempty"`
}

// Receiver is an organisation's e-mail and webhook.
type Receiver struct {
	Name           string          `yaml:"name"`
	EmailConfigs   []EmailConfig   `yaml:"email_configs,omitempty"`
	WebhookConfigs []WebhookConfig `yaml:"webhook_configs,omitempty"`
}

// EmailConfig sends a group's alerts to one address.
type EmailConfig struct {
	To           string            `yaml:"to"`
	SendResolved bool              `yaml:"send_resolved"`
	Headers      map[string]string `yaml:"headers,omitempty"`
}

// WebhookConfig posts a group's alerts as JSON.
type WebhookConfig struct {
	URL          string `yaml:"url"`
	SendResolved bool   `yaml:"send_resolved"`
}

// The subject of alert e-mails, Danish with English after the slash.
const emailSubject = `[kpv] {{ if eq .Status "firing" }}{{ .Alerts.Firing | len }} aktive advarsler / firing alerts{{ else }}Løst / Resolved{{ end }}{{ with .CommonLabels.goal }}: mål / goal {{ . }}{{ end }}{{ with .CommonLabels.alertname }} – {{ . }}{{ end }}`

// Alertmanager builds the configuration: one receiver per organisation's
// contact (from the catalogue, the one place addresses are set), a route per
// owner, grouped by goal; indicator warnings are muted while kpv is down, and
// a warning while the same series is critical.
func Alertmanager(cat *indicators.Catalogue, o Options) (*AlertmanagerConfig, error) {
	op, ok := cat.Organisation(cat.Alerting.Operator)
	if !ok {
		return nil, fmt.Errorf("alerting.operator %q is not an organisation", cat.Alerting.Operator)
	}
	c := &AlertmanagerConfig{
		Global: Global{SMTPSmarthost: cat.Alerting.SMTP.Smarthost, SMTPFrom: cat.Alerting.SMTP.From, SMTPRequireTLS: cat.Alerting.SMTP.RequireTLS},
		Route: Route{
			Receiver:       op.Contact.Receiver, // anything without an owner reaches whoever runs kpv
			GroupBy:        []string{"goal"},
			GroupWait:      dur(o.GroupWait),
			GroupInterval:  dur(o.GroupInterval),
			RepeatInterval: dur(o.RepeatInterval),
		},
		InhibitRules: []InhibitRule{
			{
				SourceMatchers: []string{fmt.Sprintf(`alertname=~"%s|%s"`, AlertDown, AlertAbsent)},
				TargetMatchers: []string{`severity="warning"`},
			},
			{
				SourceMatchers: []string{`alertname="` + AlertCritical + `"`},
				TargetMatchers: []string{`alertname="` + AlertWarning + `"`},
				Equal:          []string{"indicator", "geography", "sex", "cancer_site", "need_type"},
			},
		},
	}
	// The operator also hears of a failing source behind another owner's
	// indicator: the owner cannot fix a fetch, the operator can.
	c.Route.Routes = append(c.Route.Routes, Route{
		Receiver: op.Contact.Receiver,
		Matchers: []string{`alertname="` + AlertSource + `"`, fmt.Sprintf(`owner!=%q`, op.ID)},
		Continue: true,
	})
	seen := map[string]bool{}
	for _, org := range cat.Organisations {
		c.Route.Routes = append(c.Route.Routes, Route{Receiver: org.Contact.Receiver, Matchers: []string{fmt.Sprintf(`owner=%q`, org.ID)}})
		if seen[org.Contact.Receiver] {
			continue // organisations sharing a receiver (validated to share its addresses)
		}
		seen[org.Contact.Receiver] = true
		r := Receiver{Name: org.Contact.Receiver}
		if org.Contact.Email != "" {
			r.EmailConfigs = []EmailConfig{{To: org.Contact.Email, SendResolved: true, Headers: map[string]string{"Subject": emailSubject}}}
		}
		if org.Contact.Webhook != "" {
			r.WebhookConfigs = []WebhookConfig{{URL: org.Contact.Webhook, SendResolved: true}}
		}
		c.Receivers = append(c.Receivers, r)
	}
	return c, nil
}
