// Command treecheck fails when the repository tracks a build output: an
// executable or shared library, or a file over 1 MB outside the folders
// where large real data belong (testdata/ and ingest/snapshots/).
// scripts/test.sh runs it first, so `make test` refuses such a tree.
//
//	go run ./cmd/treecheck [repo]
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// maxSize is the largest file tracked outside the data folders.
const maxSize = 1 << 20

// dataDirs may hold files over maxSize (never executables).
var dataDirs = []string{"testdata/", "ingest/snapshots/"}

// magics start executable or object files of the platforms Go builds for:
// ELF, Mach-O (32/64-bit, both byte orders, universal), PE ("MZ").
var magics = [][]byte{
	{0x7f, 'E', 'L', 'F'},
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf},
	{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe},
	{'M', 'Z'},
}

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	problems, err := check(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "treecheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "treecheck:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "treecheck: %d tracked file(s) do not belong in git (build outputs go to bin/ or build/, which are ignored); remove them with git rm --cached\n", len(problems))
		os.Exit(1)
	}
}

// check lists the tracked files of the git work tree at dir that are
// executables or too large.
func check(dir string) ([]string, error) {
	out, err := exec.Command("git", "-C", dir, "ls-files", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w", dir, err)
	}
	var problems []string
	for _, name := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		p, err := checkFile(filepath.Join(dir, name), name)
		if err != nil {
			return nil, err
		}
		if p != "" {
			problems = append(problems, p)
		}
	}
	return problems, nil
}

// checkFile says what is wrong with one tracked file, or "".
func checkFile(path, name string) (string, error) {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return "", nil // deleted in the work tree, not yet committed
	}
	if err != nil || !fi.Mode().IsRegular() {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(bufio.NewReader(f), head)
	for _, m := range magics {
		if n >= len(m) && bytes.Equal(head[:len(m)], m) {
			return fmt.Sprintf("%s is an executable or object file (%d bytes)", name, fi.Size()), nil
		}
	}
	if fi.Size() > maxSize && !inDataDir(name) {
		return fmt.Sprintf("%s is %d bytes, over the %d allowed outside %s", name, fi.Size(), maxSize, strings.Join(dataDirs, " and ")), nil
	}
	return "", nil
}

func inDataDir(name string) bool {
	for _, d := range dataDirs {
		if strings.HasPrefix(name, d) || strings.Contains(name, "/"+d) {
			return true
		}
	}
	return false
}
