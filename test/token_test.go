package test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/cli"
)

// A token made with `kpv token create` works against `kpv serve` for its
// scope until `kpv token revoke`; serve has the runner wired for admins.
// (The submitted figure is invented for the test.)
func TestTokenCommand(t *testing.T) {
	base := serveBundled(t)
	ctx := context.Background()
	kpv := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := cli.Run(ctx, args, &out, io.Discard)
		return out.String(), err
	}
	post := func(path, token, ctype, body string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	out, err := kpv("token", "create", "--role", "submitter", "--org", "region-midtjylland", "--name", "RM kvalitet")
	submitter := tokenRE.FindString(out)
	if err != nil || submitter == "" || !strings.Contains(out, "shown only this once") {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	if _, err := kpv("token", "create", "--role", "submitter", "--org", "atlantis"); err == nil || !strings.Contains(err.Error(), `unknown organisation "atlantis"`) {
		t.Fatalf("unknown organisation: %v", err)
	}
	if _, err := kpv("token", "create", "--role", "root", "--org", "ism"); err == nil || !strings.Contains(err.Error(), `unknown role "root"`) {
		t.Fatalf("unknown role: %v", err)
	}

	csv := "period;geography;value;numerator;denominator\n2025;DK-82;61,5;123;200\n"
	if status, body := post("/api/v1/indicators/g1_gp_followup_plan/observations", submitter, "text/csv", csv); status != 200 || !strings.Contains(body, `"inserted": 1`) {
		t.Fatalf("submission: %d %s", status, body)
	}
	if status, _ := post("/api/v1/ingest/barometer/run?snapshot=true", submitter, "", ""); status != 403 {
		t.Fatalf("a submitter triggering an ingest: %d", status)
	}
	out, _ = kpv("token", "create", "--role", "admin", "--org", "ism")
	admin := tokenRE.FindString(out)
	if status, body := post("/api/v1/ingest/barometer/run?snapshot=true&force=true", admin, "", ""); status != 200 || !strings.Contains(body, `"outcome": "unchanged"`) {
		t.Fatalf("admin triggering an ingest of the already loaded snapshot: %d %s", status, body)
	}

	out, err = kpv("token", "list")
	if err != nil || !strings.Contains(out, "region-midtjylland") || !strings.Contains(out, "RM kvalitet") || strings.Contains(out, submitter) {
		t.Fatalf("token list (must not show secrets): %v\n%s", err, out)
	}
	if out, err := kpv("token", "revoke", "1"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if status, _ := post("/api/v1/indicators/g1_gp_followup_plan/observations", submitter, "text/csv", csv); status != 401 {
		t.Fatalf("a revoked token: %d", status)
	}
}
