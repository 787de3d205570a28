package peermon

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultPrefix is the first token of every peermon subject.
const DefaultPrefix = "peermon"

// maxTokenBytes bounds a metric name or a peer id on the wire.
const maxTokenBytes = 255

// subjects builds the public subjects of ARCHITECTURE.md ("Subjects") under one prefix. Publishers
// and query clients use these forms only: nats-server's mappings route them to the right shard.
type subjects struct {
	prefix string
}

func (s subjects) metric(name, peer string) string { return s.prefix + ".metrics." + name + "." + peer }
func (s subjects) latest(name string) string       { return s.prefix + ".latest." + name }
func (s subjects) peer(name, peer string) string   { return s.prefix + ".peer." + name + "." + peer }
func (s subjects) names() string                   { return s.prefix + ".names" }
func (s subjects) peerset() string                 { return s.prefix + ".peerset" }
func (s subjects) alerts() string                  { return s.prefix + ".alerts.*.*" }
func (s subjects) alertLog() string                { return s.prefix + ".alertlog.*.*" }

// stream names one of peermon's JetStream streams, as the monitor creates them: PEERMON_ALERTS.
func (s subjects) stream(kind string) string {
	upper := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		default:
			return '_'
		}
	}, s.prefix)
	return upper + "_" + kind
}

// checkToken says why s cannot be a metric name or peer id token, or nil when it can: 1 to 255
// bytes, no whitespace, '.', '*' or '>'.
func checkToken(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: the %s is empty", ErrBadToken, what)
	}
	if len(s) > maxTokenBytes {
		return fmt.Errorf("%w: the %s is %d bytes, over %d", ErrBadToken, what, len(s), maxTokenBytes)
	}
	if i := strings.IndexFunc(s, forbiddenInToken); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("%w: the %s %q holds %q, which a subject token cannot", ErrBadToken, what, s, r)
	}
	return nil
}

// forbiddenInToken matches the monitor's own rule (JavaScript's /[\s.*>]/): '.', '*', '>' and
// whitespace as ECMAScript defines it, which is Unicode's White_Space without U+0085, plus U+FEFF.
func forbiddenInToken(r rune) bool {
	switch r {
	case '.', '*', '>', '\uFEFF':
		return true
	case '\u0085':
		return false
	}
	return unicode.IsSpace(r)
}

// CheckPrefix says why prefix cannot be the first tokens of peermon's subjects, or nil.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return fmt.Errorf("%w: the subject prefix is empty (the default is %q)", ErrBadToken, DefaultPrefix)
	}
	for _, tok := range strings.Split(prefix, ".") {
		if err := checkToken("subject prefix", tok); err != nil {
			return err
		}
	}
	return nil
}
