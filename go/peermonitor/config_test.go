package peermonitor

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreValid(t *testing.T) {
	cfg := &Config{}
	if err := cfg.Default(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the defaults must validate: %v", err)
	}
	if cfg.Auth != AuthIdentity || cfg.AlertBuffer != 256 || cfg.LatestCache != time.Second {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestJSONRoundTripAndMissingKeysKeepTheirDefaults(t *testing.T) {
	cfg := &Config{}
	if err := cfg.LoadJSON([]byte(`{"nats_url":"nats://a:4222,nats://b:4222","auth":"none","latest_cache":"0s"}`)); err != nil {
		t.Fatal(err)
	}
	if cfg.NatsURL != "nats://a:4222,nats://b:4222" || cfg.Auth != AuthNone || cfg.LatestCache != 0 {
		t.Fatalf("loaded %+v", cfg)
	}
	if cfg.RequestTimeout != DefaultRequestTimeout || cfg.Prefix != "peermon" {
		t.Fatalf("a missing key must keep its default: %+v", cfg)
	}
	raw, err := cfg.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	again := &Config{}
	if err := again.LoadJSON(raw); err != nil {
		t.Fatal(err)
	}
	if again.NatsURL != cfg.NatsURL || again.LatestCache != cfg.LatestCache || again.Auth != cfg.Auth {
		t.Fatalf("round trip: %+v vs %+v", again, cfg)
	}
}

func TestTheDisplayedSectionHidesThePassword(t *testing.T) {
	cfg := &Config{}
	if err := cfg.LoadJSON([]byte(`{"auth":"password","user":"p1","password":"s3cret"}`)); err != nil {
		t.Fatal(err)
	}
	shown, err := cfg.ToDisplayJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(shown), "s3cret") {
		t.Fatalf("the password is displayed: %s", shown)
	}
}

func TestInvalidSettingsNameTheKeyAndWhatToWrite(t *testing.T) {
	cases := map[string]string{
		`{"nats_url":"http://x:4222"}`:   "peermon.nats_url",
		`{"nats_url":"not a url"}`:       "peermon.nats_url",
		`{"auth":"token"}`:               `peermon.auth "token"`,
		`{"auth":"password","user":"u"}`: "peermon.password",
		`{"auth":"creds"}`:               "peermon.creds_file",
		`{"request_timeout":"-1s"}`:      "peermon.request_timeout",
		`{"request_timeout":"soon"}`:     "peermon.request_timeout",
		`{"latest_cache":"-1s"}`:         "peermon.latest_cache",
		`{"alert_buffer":-3}`:            "peermon.alert_buffer",
		`{"prefix":"a.*"}`:               "peermon.prefix",
	}
	for raw, want := range cases {
		err := (&Config{}).LoadJSON([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error naming %s, got %v", raw, want, err)
		}
	}
}

func TestEnvironmentOverridesTheFile(t *testing.T) {
	t.Setenv("CLUSTER_PEERMON_NATS_URL", "nats://env:4222")
	t.Setenv("CLUSTER_PEERMON_LATEST_CACHE", "250ms")
	cfg := &Config{}
	if err := cfg.LoadJSON([]byte(`{"nats_url":"nats://file:4222"}`)); err != nil {
		t.Fatal(err)
	}
	if err := cfg.ApplyEnvVars(); err != nil {
		t.Fatal(err)
	}
	if cfg.NatsURL != "nats://env:4222" || cfg.LatestCache != 250*time.Millisecond {
		t.Fatalf("env not applied: %+v", cfg)
	}
	var j map[string]any
	raw, _ := cfg.ToJSON()
	if err := json.Unmarshal(raw, &j); err != nil || j["nats_url"] != "nats://env:4222" {
		t.Fatalf("ToJSON after env: %s", raw)
	}
}
