package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kraeftplan/kpv/store"
)

const tokenUsage = `usage:
  kpv token create --role submitter|admin --org ORG [--name LABEL]
  kpv token list
  kpv token revoke ID`

// tokenCmd manages API tokens. A new token is printed once: only its hash
// is stored, so a lost token is revoked and replaced, not recovered.
func tokenCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// Tokens name an organisation of the catalogue: make sure the database
	// knows the current one.
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		return fmt.Errorf("synchronise catalogue: %w", err)
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		role := fs.String("role", "", "submitter or admin")
		org := fs.String("org", "", "the organisation the token acts for (an id from the catalogue's organisations)")
		name := fs.String("name", "", "a label saying who or what uses the token")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
			return errors.New(tokenUsage)
		}
		if *role == "" || *org == "" {
			return errors.New("--role and --org are required\n" + tokenUsage)
		}
		if _, ok := cat.Organisation(*org); !ok {
			var ids []string
			for _, o := range cat.Organisations {
				ids = append(ids, o.ID)
			}
			return fmt.Errorf("unknown organisation %q (organisations: %s)", *org, strings.Join(ids, ", "))
		}
		tok, secret, err := st.CreateToken(ctx, *role, *org, *name)
		if err != nil {
			return err
		}
		_, _ = st.Audit(ctx, store.AuditEntry{Actor: "cli:" + cliUser(), Org: tok.Org, Action: "token.create", Target: "token:" + strconv.FormatInt(tok.ID, 10),
			Outcome: store.AuditSuccess, Detail: mustJSON(map[string]string{"role": tok.Role, "name": tok.Name})})
		fmt.Fprintf(stdout, "token %d for %s (%s)%s:\n\n  %s\n\nIt is shown only this once: kpv keeps only its hash.\nSend it as: Authorization: Bearer %s\n",
			tok.ID, tok.Org, tok.Role, tokenLabel(tok.Name), secret, secret)
		return nil
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tORG\tNAME\tCREATED\tLAST USED\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Org, t.Name, t.CreatedAt.Format(time.DateTime), when(t.LastUsedAt), when(t.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if len(args) != 2 {
			return errors.New(tokenUsage)
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("token id %q is not a number (kpv token list shows them)", args[1])
		}
		tok, err := st.RevokeToken(ctx, id)
		if err != nil {
			return err
		}
		_, _ = st.Audit(ctx, store.AuditEntry{Actor: "cli:" + cliUser(), Org: tok.Org, Action: "token.revoke", Target: "token:" + args[1], Outcome: store.AuditSuccess})
		fmt.Fprintf(stdout, "token %d (%s, %s) revoked at %s\n", tok.ID, tok.Org, tok.Role, tok.RevokedAt.Format(time.DateTime))
		return nil
	}
	return errors.New(tokenUsage)
}

func tokenLabel(name string) string {
	if name == "" {
		return ""
	}
	return ", " + strconv.Quote(name)
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateTime)
}

func cliUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
