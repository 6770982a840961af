package health

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// The ConfigMap snippet the README tells Argo CD users to merge into argocd-cm.
const snippet = "../../helm/slipway/extras/argocd-cm.yaml"

var validStatus = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

// scripts reads the health scripts by kind from the snippet.
func scripts(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(snippet)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		t.Fatalf("%s: %v", snippet, err)
	}
	found := map[string]string{}
	for key, script := range cm.Data {
		kind, ok := strings.CutPrefix(key, "resource.customizations.health.slipway.dev_")
		if !ok {
			t.Fatalf("%s: unexpected key %q", snippet, key)
		}
		found[kind] = script
	}
	for _, kind := range []string{"Project", "Environment"} {
		if found[kind] == "" {
			t.Fatalf("%s has no health script for %s", snippet, kind)
		}
	}
	return found
}

// health runs a script as Argo CD's util/lua runLua and ExecuteHealthLua do: no standard library
// but package, base and table (its "safe os" is left out: these scripts must not need it), the
// object as the global obj, a one-second limit, and a table with status and message returned.
func health(script string, object map[string]any) (status, message string, err error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return "", "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decode(l, object))
	if err := l.DoString(script); err != nil {
		return "", "", err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	s, _ := table.RawGetString("status").(lua.LString)
	m, _ := table.RawGetString("message").(lua.LString)
	if !validStatus[string(s)] {
		return "", "", fmt.Errorf("Lua returned an invalid health status %q", s)
	}
	return string(s), string(m), nil
}

// decode is Argo CD's decodeValue: maps and lists become tables, numbers LNumber, null nil.
func decode(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(decode(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetH(lua.LString(k), decode(l, item))
		}
		return t
	}
	return lua.LNil
}

// Each sample in testdata/ is an object as the API server returns it, with its first lines
// "# expect: <status>" and "# message: <text the message contains>".
func TestHealthOfSampleObjects(t *testing.T) {
	byKind := scripts(t)
	files, _ := filepath.Glob("testdata/*.yaml")
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("only %d samples in testdata/", len(files))
	}
	seen := map[string]map[string]bool{}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, wantMessage := header(string(raw), "# expect:"), header(string(raw), "# message:")
			var object map[string]any
			if err := yaml.Unmarshal(raw, &object); err != nil {
				t.Fatal(err)
			}
			kind, _ := object["kind"].(string)
			status, message, err := health(byKind[kind], object)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			fmt.Printf("argocd health: %-44s %-11s %s\n", filepath.Base(file), status, message)
			if status != want || !strings.Contains(message, wantMessage) {
				t.Fatalf("%s: got %s %q, want %s with %q", kind, status, message, want, wantMessage)
			}
			if seen[kind] == nil {
				seen[kind] = map[string]bool{}
			}
			seen[kind][status] = true
		})
	}
	for _, kind := range []string{"Project", "Environment"} {
		for _, status := range []string{"Healthy", "Progressing", "Degraded", "Suspended"} {
			if !seen[kind][status] {
				t.Errorf("no %s sample is %s", kind, status)
			}
		}
	}
}

func header(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
