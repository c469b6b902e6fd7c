package assess

import (
	"os/exec"
	"strings"
	"testing"
)

// assess is pure computation on figures: it must build without the store
// or the Postgres driver, so it can be tested and reused without a
// database.
func TestNoStoreDependency(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH to list dependencies: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to judge: %q", out)
	}
	for _, d := range deps {
		if strings.Contains(d, "jackc/pgx") || strings.Contains(d, "kpv/store") {
			t.Errorf("assess depends on %s", d)
		}
	}
}
