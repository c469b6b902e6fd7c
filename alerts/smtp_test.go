package alerts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// mail is one message a mail sink received.
type mail struct {
	rcpt []string
	data string
}

// smtpSink is the smallest SMTP server Alertmanager will deliver to: enough
// to see who an e-mail went to and what it says, with no relay anywhere.
func smtpSink(t *testing.T) (addr string, received func() []mail) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var got []mail
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r, w := bufio.NewReader(c), bufio.NewWriter(c)
				say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
				say("220 kpv-test ESMTP")
				var m mail
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 kpv-test")
					case strings.HasPrefix(cmd, "RCPT TO:"):
						m.rcpt = append(m.rcpt, strings.Trim(strings.TrimSpace(line)[8:], "<> "))
						say("250 ok")
					case cmd == "DATA":
						say("354 go on")
						var b strings.Builder
						for {
							l, err := r.ReadString('\n')
							if err != nil || l == ".\r\n" {
								break
							}
							b.WriteString(l)
						}
						m.data = b.String()
						mu.Lock()
						got = append(got, m)
						mu.Unlock()
						m = mail{}
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default: // MAIL FROM, RSET, NOOP
						say("250 ok")
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String(), func() []mail { mu.Lock(); defer mu.Unlock(); return append([]mail(nil), got...) }
}

// A real Alertmanager on the generated configuration e-mails an owner's
// alert to that organisation's address only, with a Danish and English
// subject naming the goal.
func TestAlertIsEmailedToTheOwner(t *testing.T) {
	addr, received := smtpSink(t)
	cat := testkit.Catalogue(t)
	cat.Alerting.SMTP.Smarthost = addr
	o := DefaultOptions()
	o.GroupWait, o.GroupInterval = time.Second, time.Second
	files, err := GenerateWith(cat, o)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), AlertmanagerFile)
	if err := os.WriteFile(conf, files[AlertmanagerFile], 0o644); err != nil {
		t.Fatal(err)
	}
	am := promstack.StartAlertmanager(t, conf)
	alert := []map[string]any{{
		"labels": map[string]string{"alertname": AlertCritical, "severity": "critical", "goal": "2",
			"indicator": "g2_involved_decisions_lup", "owner": "region-midtjylland", "geography": "DK-82"},
		"annotations": map[string]string{"summary": "Kritisk: testadvarsel", "summary_en": "Critical: test alert"},
	}}
	b, _ := json.Marshal(alert)
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post alert: %v %v", resp, err)
	}
	resp.Body.Close()

	var got []mail
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(got) == 0; time.Sleep(200 * time.Millisecond) {
		got = received()
	}
	if len(got) != 1 {
		t.Fatalf("%d e-mails received, want 1\n%s", len(got), fmt.Sprint(got))
	}
	if want := "kpv-alerts@rm.invalid"; len(got[0].rcpt) != 1 || got[0].rcpt[0] != want {
		t.Errorf("e-mail went to %v, want only Region Midtjylland's %s", got[0].rcpt, want)
	}
	var subject string
	for _, l := range strings.Split(got[0].data, "\r\n") {
		if strings.HasPrefix(l, "Subject: ") {
			subject, _ = new(mime.WordDecoder).DecodeHeader(strings.TrimPrefix(l, "Subject: "))
		}
	}
	if want := "[kpv] 1 aktive advarsler / firing alerts: mål / goal 2 – " + AlertCritical; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if !strings.Contains(got[0].data, "testadvarsel") {
		t.Errorf("the e-mail does not carry the alert's summary:\n%s", got[0].data)
	}
	t.Logf("e-mail to %v: %q", got[0].rcpt, subject)
}
