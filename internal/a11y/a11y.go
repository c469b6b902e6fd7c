// Package a11y checks a page open in a real browser against WCAG 2.1 AA
// with axe-core. axe-core comes from npm, pinned in this folder's
// package.json and package-lock.json; scripts/test.sh installs it with
// `npm ci` when node_modules is missing.
package a11y

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// Tags are the axe-core rule tags of WCAG 2.1 levels A and AA, the level
// Danish public-sector sites must meet (webtilgængelighedsloven).
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// ScriptPath is axe-core's browser build under the repository root.
const ScriptPath = "internal/a11y/node_modules/axe-core/axe.min.js"

// Script reads axe-core's browser build from the repository at root.
func Script(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, ScriptPath))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s is missing: run `npm ci` in internal/a11y (scripts/test.sh does)", ScriptPath)
	}
	return string(b), err
}

// Result is what axe-core found on a page.
type Result struct {
	Version    string      `json:"version"`
	Violations []Violation `json:"violations"`
	// Passes and Incomplete count the rules that passed and those axe
	// could not decide (for a person to check).
	Passes     int `json:"passes"`
	Incomplete int `json:"incomplete"`
}

// Violation is a rule the page breaks, with the elements that break it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// Node is one element breaking a rule.
type Node struct {
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.HelpURL)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-i)
			break
		}
		fmt.Fprintf(&b, "\n    %s: %.200s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", " "))
	}
	return b.String()
}

// Check runs axe-core (script, from Script) on the page open in ctx's tab
// with the WCAG 2.1 A and AA rules. It evaluates the script through the
// DevTools protocol, so the page's own Content-Security-Policy, which
// allows no script, stays in force.
func Check(ctx context.Context, script string) (Result, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script+"\n;typeof axe === 'object'")); err != nil {
		return Result{}, fmt.Errorf("load axe-core: %w", err)
	}
	tags := `["` + strings.Join(Tags, `","`) + `"]`
	run := `axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}, resultTypes: ["violations"]}).then((r) => ({
  version: r.testEngine.version, passes: r.passes.length, incomplete: r.incomplete.length,
  violations: r.violations.map((v) => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: String(n.target), html: n.html, summary: n.failureSummary || ""}))}))
}))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[Result](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return Result{}, fmt.Errorf("run axe-core: %w", err)
	}
	return res, nil
}
