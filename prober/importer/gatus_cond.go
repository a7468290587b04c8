package importer

// Gatus's condition language (README, Conditions: placeholders and
// functions) translated into upchain's (prober/cond).

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
)

var gatusOps = []string{"==", "!=", "<=", ">=", "<", ">"}

// GatusCondition translates one Gatus condition for a check of kind. drop
// is non-empty when the condition holds by the kind's own definition of up
// (a tcp check is up when connected).
func GatusCondition(src, kind string) (out, drop string, err error) {
	left, op, right, ok := splitGatus(src)
	if !ok {
		return "", "", fmt.Errorf("expected `<placeholder> <operator> <value>` with one of %s", strings.Join(gatusOps, " "))
	}
	switch strings.ToUpper(left) {
	case "[CONNECTED]":
		if op == "==" && right == "true" {
			return "", "a " + kind + " check is down when it cannot connect", nil
		}
		return "", "", fmt.Errorf("only [CONNECTED] == true translates")
	case "[DNS_RCODE]":
		if kind == "dns" && op == "==" && strings.EqualFold(right, "NOERROR") {
			return "", "a dns check is down when the lookup fails", nil
		}
		return "", "", fmt.Errorf("upchain has no DNS response code; only [DNS_RCODE] == NOERROR (implied) translates")
	}
	if kind == "dns" && strings.EqualFold(left, "[BODY]") && op == "==" {
		return strconv.Quote(right) + " in answers", "", nil
	}
	l, lk, err := gatusOperand(left, kind)
	if err != nil {
		return "", "", err
	}
	// Functions on the right-hand side.
	if inner, ok := call(right, "pat"); ok {
		re := "(?s)^" + strings.ReplaceAll(regexp.QuoteMeta(inner), `\*`, ".*") + "$"
		switch op {
		case "==":
			return l + " matches " + strconv.Quote(re), "", nil
		case "!=":
			return "not (" + l + " matches " + strconv.Quote(re) + ")", "", nil
		}
		return "", "", fmt.Errorf("pat() compares with == or !=")
	}
	if inner, ok := call(right, "any"); ok {
		var items []string
		for _, it := range strings.Split(inner, ",") {
			items = append(items, gatusLiteral(strings.TrimSpace(it), lk))
		}
		list := "[" + strings.Join(items, ", ") + "]"
		switch op {
		case "==":
			return l + " in " + list, "", nil
		case "!=":
			return "not (" + l + " in " + list + ")", "", nil
		}
		return "", "", fmt.Errorf("any() compares with == or !=")
	}
	if lk == "has" {
		switch {
		case op == "==" && right == "true", op == "!=" && right == "false":
			return l + " != nil", "", nil
		case op == "==" && right == "false", op == "!=" && right == "true":
			return l + " == nil", "", nil
		}
		return "", "", fmt.Errorf("has() compares with true or false")
	}
	var r string
	if strings.HasPrefix(right, "[") || strings.HasPrefix(strings.ToLower(right), "len(") {
		if r, _, err = gatusOperand(right, kind); err != nil {
			return "", "", err
		}
	} else {
		r = gatusLiteral(right, lk)
	}
	return l + " " + op + " " + r, "", nil
}

// splitGatus splits a condition at its operator, outside brackets.
func splitGatus(src string) (left, op, right string, ok bool) {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '(', '[':
			depth++
			continue
		case ')', ']':
			depth--
			continue
		}
		if depth != 0 {
			continue
		}
		for _, o := range gatusOps {
			if strings.HasPrefix(src[i:], o) {
				left, right = strings.TrimSpace(src[:i]), strings.TrimSpace(src[i+len(o):])
				return left, o, right, left != "" && right != ""
			}
		}
	}
	return "", "", "", false
}

// call returns the argument of name(...) when s is such a call.
func call(s, name string) (string, bool) {
	if len(s) > len(name)+1 && strings.EqualFold(s[:len(name)+1], name+"(") && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[len(name)+1 : len(s)-1]), true
	}
	return "", false
}

// gatusOperand translates a placeholder or function of placeholders. Its
// kind (status, latency, cert, body, json, len, has) decides how the other
// side's literal is written.
func gatusOperand(s, kind string) (string, string, error) {
	if inner, ok := call(s, "len"); ok {
		x, _, err := gatusOperand(inner, kind)
		return "len(" + x + ")", "len", err
	}
	if inner, ok := call(s, "has"); ok {
		x, _, err := gatusOperand(inner, kind)
		return x, "has", err
	}
	up := strings.ToUpper(s)
	switch {
	case up == "[STATUS]":
		if kind != "http" {
			return "", "", fmt.Errorf("[STATUS] applies to http endpoints")
		}
		return "status", "status", nil
	case up == "[RESPONSE_TIME]":
		return "latency", "latency", nil
	case up == "[CERTIFICATE_EXPIRATION]":
		if kind != "http" && kind != "tls" {
			return "", "", fmt.Errorf("[CERTIFICATE_EXPIRATION] applies to https and tls endpoints")
		}
		return "cert.expires_in", "cert", nil
	case up == "[BODY]":
		if kind == "websocket" {
			return "message", "body", nil
		}
		return "body", "body", nil
	case strings.HasPrefix(up, "[BODY]"):
		p, err := jsonPath(s[len("[BODY]"):])
		if kind != "http" && kind != "websocket" {
			return "", "", fmt.Errorf("[BODY] paths apply to http and websocket endpoints")
		}
		return "json" + p, "json", err
	case up == "[IP]", up == "[DOMAIN_EXPIRATION]", up == "[DNS_RCODE]", up == "[CONNECTED]":
		return "", "", fmt.Errorf("upchain records no %s", strings.Trim(up, "[]"))
	}
	return "", "", fmt.Errorf("unknown placeholder %q", s)
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var indexRE = regexp.MustCompile(`^(.*?)((?:\[\d+\])*)$`)

// jsonPath turns Gatus's `.a.b[0]` into an expr member path, quoting keys
// that are not identifiers.
func jsonPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	var b strings.Builder
	if strings.HasPrefix(p, "[") { // a top-level array: [BODY][0].name
		m := indexRE.FindStringSubmatch(strings.SplitN(p, ".", 2)[0])
		b.WriteString(m[2])
		rest := strings.TrimPrefix(p, m[0])
		p = rest
	}
	if p == "" {
		return b.String(), nil
	}
	if !strings.HasPrefix(p, ".") {
		return "", fmt.Errorf("bad [BODY] path %q", p)
	}
	for _, seg := range strings.Split(p[1:], ".") {
		m := indexRE.FindStringSubmatch(seg)
		key, idx := m[1], m[2]
		switch {
		case key == "":
			return "", fmt.Errorf("empty key in [BODY] path %q", p)
		case identRE.MatchString(key):
			b.WriteString("." + key)
		default:
			b.WriteString("[" + strconv.Quote(key) + "]")
		}
		b.WriteString(idx)
	}
	return b.String(), nil
}

var numRE = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// gatusLiteral writes Gatus's unquoted value in upchain's language.
func gatusLiteral(v, kind string) string {
	switch kind {
	case "latency":
		if numRE.MatchString(v) {
			return v + "ms" // Gatus's response time is in milliseconds
		}
		return v
	case "cert":
		if _, err := config.ParseDuration(v); err == nil && !numRE.MatchString(v) {
			return v
		}
		if numRE.MatchString(v) {
			return v + "ms"
		}
	case "body":
		return strconv.Quote(v)
	}
	if numRE.MatchString(v) || v == "true" || v == "false" {
		return v
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v
	}
	return strconv.Quote(v)
}
