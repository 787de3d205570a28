package peermonitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ipfs-cluster/ipfs-cluster/config"
	"github.com/kelseyhightower/envconfig"
	"github.com/peermon/peermon/go/peermon"
)

const configKey = "peermon"
const envConfigKey = "cluster_peermon"

// How a peer proves who it is to NATS.
const (
	// AuthIdentity signs the server's nonce with the peer's own libp2p Ed25519 key: its NATS user is
	// the nkey of its peer id (`peermon auth` writes the server's side from the peerset).
	AuthIdentity = "identity"
	// AuthNone presents nothing: for a server without authentication (the repo's nats.conf).
	AuthNone = "none"
	// AuthPassword presents user and password.
	AuthPassword = "password"
	// AuthCreds presents a creds file (a JWT and an nkey seed, decentralised NATS auth).
	AuthCreds = "creds"
)

// Default values of the configuration, each with its reason.
const (
	// DefaultNatsURL is a nats-server on this host (the NATS convention).
	DefaultNatsURL = "nats://127.0.0.1:4222"
	// DefaultAuth needs no second secret: the peer's identity is its NATS identity.
	DefaultAuth = AuthIdentity
	// DefaultConnectTimeout bounds one attempt to reach a server.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultRequestTimeout bounds a query (latest, peer, names): the monitor answers in
	// milliseconds, so 2 s means it is gone or the link is broken.
	DefaultRequestTimeout = 2 * time.Second
	// DefaultLatestCache is how long one `latest` answer serves LatestMetrics of its name: the
	// allocator asks for every pin it places and CRDT asks for the peerset on most operations;
	// 1 s turns a burst of thousands of pins into one query a second, and is short beside the
	// 15 s ping interval. An alert of the name drops it at once. 0 disables the cache.
	DefaultLatestCache = time.Second
	// DefaultReconnectWait is the pause between two attempts to reach NATS again.
	DefaultReconnectWait = time.Second
	// DefaultAlertBuffer is pubsubmon's alert channel capacity: what IPFS Cluster is used to.
	DefaultAlertBuffer = 256
)

// Config is the `monitor.peermon` section of IPFS Cluster's service.json: where peermon is and how
// to talk to it. Its presence selects this monitor in place of pubsubmon.
type Config struct {
	config.Saver

	// NatsURL lists the NATS servers, comma-separated (nats://host:4222,nats://other:4222).
	NatsURL string
	// Prefix is the first token of peermon's subjects (the monitor's --prefix).
	Prefix string
	// Auth is identity, none, password or creds.
	Auth string
	// User and Password, with Auth "password".
	User     string
	Password string
	// CredsFile, with Auth "creds".
	CredsFile string
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout time.Duration
	// RequestTimeout bounds one query.
	RequestTimeout time.Duration
	// LatestCache is how long a `latest` answer serves LatestMetrics of its name; 0: never cached.
	LatestCache time.Duration
	// ReconnectWait is the pause between reconnection attempts (reconnection never gives up).
	ReconnectWait time.Duration
	// AlertBuffer is the capacity of the Alerts() channel; alerts that find it full are dropped
	// and counted, never waited for.
	AlertBuffer int
	// ExcludeSuspects leaves peers the monitor suspects out of LatestMetrics of every name but
	// ping: new data is not placed on a peer that is probably gone, while the peerset (ping) and
	// repinning still wait for the ttl.
	ExcludeSuspects bool
}

type jsonConfig struct {
	NatsURL         string `json:"nats_url" envconfig:"nats_url"`
	Prefix          string `json:"prefix"`
	Auth            string `json:"auth"`
	User            string `json:"user,omitempty"`
	Password        string `json:"password,omitempty" hidden:"true"`
	CredsFile       string `json:"creds_file,omitempty" envconfig:"creds_file"`
	ConnectTimeout  string `json:"connect_timeout" envconfig:"connect_timeout"`
	RequestTimeout  string `json:"request_timeout" envconfig:"request_timeout"`
	LatestCache     string `json:"latest_cache" envconfig:"latest_cache"`
	ReconnectWait   string `json:"reconnect_wait" envconfig:"reconnect_wait"`
	AlertBuffer     int    `json:"alert_buffer" envconfig:"alert_buffer"`
	ExcludeSuspects bool   `json:"exclude_suspects" envconfig:"exclude_suspects"`
}

// ConfigKey is the section's name in service.json: "peermon".
func (cfg *Config) ConfigKey() string { return configKey }

// Default sets every field to its default.
func (cfg *Config) Default() error {
	*cfg = Config{
		Saver:          cfg.Saver,
		NatsURL:        DefaultNatsURL,
		Prefix:         peermon.DefaultPrefix,
		Auth:           DefaultAuth,
		ConnectTimeout: DefaultConnectTimeout,
		RequestTimeout: DefaultRequestTimeout,
		LatestCache:    DefaultLatestCache,
		ReconnectWait:  DefaultReconnectWait,
		AlertBuffer:    DefaultAlertBuffer,
	}
	return nil
}

// ApplyEnvVars overrides fields from CLUSTER_PEERMON_* variables (CLUSTER_PEERMON_NATS_URL, …).
func (cfg *Config) ApplyEnvVars() error {
	jcfg := cfg.toJSONConfig()
	if err := envconfig.Process(envConfigKey, jcfg); err != nil {
		return err
	}
	return cfg.applyJSONConfig(jcfg)
}

// Validate says what is wrong with the configuration, naming the key and what to write.
func (cfg *Config) Validate() error {
	var errs []error
	for _, u := range strings.Split(cfg.NatsURL, ",") {
		if err := checkNatsURL(strings.TrimSpace(u)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := peermon.CheckPrefix(cfg.Prefix); err != nil {
		errs = append(errs, fmt.Errorf("peermon.prefix: %w (write the monitor's --prefix, default %q)", err, peermon.DefaultPrefix))
	}
	switch cfg.Auth {
	case AuthIdentity, AuthNone:
	case AuthPassword:
		if cfg.User == "" || cfg.Password == "" {
			errs = append(errs, errors.New(`peermon.auth "password" needs peermon.user and peermon.password`))
		}
	case AuthCreds:
		if cfg.CredsFile == "" {
			errs = append(errs, errors.New(`peermon.auth "creds" needs peermon.creds_file`))
		}
	default:
		errs = append(errs, fmt.Errorf(`peermon.auth %q is not one of "identity" (the peer's own key), "none", "password", "creds"`, cfg.Auth))
	}
	positive := map[string]time.Duration{
		"connect_timeout": cfg.ConnectTimeout, "request_timeout": cfg.RequestTimeout, "reconnect_wait": cfg.ReconnectWait,
	}
	for _, k := range []string{"connect_timeout", "request_timeout", "reconnect_wait"} {
		if positive[k] <= 0 {
			errs = append(errs, fmt.Errorf("peermon.%s must be a positive duration such as \"2s\", not %s", k, positive[k]))
		}
	}
	if cfg.LatestCache < 0 {
		errs = append(errs, fmt.Errorf("peermon.latest_cache must be 0 (no cache) or a duration such as \"1s\", not %s", cfg.LatestCache))
	}
	if cfg.AlertBuffer <= 0 {
		errs = append(errs, fmt.Errorf("peermon.alert_buffer must be at least 1 (default %d), not %d", DefaultAlertBuffer, cfg.AlertBuffer))
	}
	return errors.Join(errs...)
}

func checkNatsURL(u string) error {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return fmt.Errorf("peermon.nats_url %q is not a server URL such as %q", u, DefaultNatsURL)
	}
	switch parsed.Scheme {
	case "nats", "tls", "ws", "wss":
		return nil
	}
	return fmt.Errorf("peermon.nats_url %q: the scheme must be nats://, tls://, ws:// or wss://", u)
}

// LoadJSON reads the section as ToJSON writes it; missing keys keep their defaults.
func (cfg *Config) LoadJSON(raw []byte) error {
	jcfg := &jsonConfig{}
	if err := json.Unmarshal(raw, jcfg); err != nil {
		return fmt.Errorf("reading the peermon monitor section: %w", err)
	}
	cfg.Default()
	return cfg.applyJSONConfig(jcfg)
}

func (cfg *Config) applyJSONConfig(jcfg *jsonConfig) error {
	config.SetIfNotDefault(jcfg.NatsURL, &cfg.NatsURL)
	config.SetIfNotDefault(jcfg.Prefix, &cfg.Prefix)
	config.SetIfNotDefault(jcfg.Auth, &cfg.Auth)
	config.SetIfNotDefault(jcfg.User, &cfg.User)
	config.SetIfNotDefault(jcfg.Password, &cfg.Password)
	config.SetIfNotDefault(jcfg.CredsFile, &cfg.CredsFile)
	config.SetIfNotDefault(jcfg.AlertBuffer, &cfg.AlertBuffer)
	cfg.ExcludeSuspects = jcfg.ExcludeSuspects
	err := config.ParseDurations(configKey,
		&config.DurationOpt{Duration: jcfg.ConnectTimeout, Dst: &cfg.ConnectTimeout, Name: "connect_timeout"},
		&config.DurationOpt{Duration: jcfg.RequestTimeout, Dst: &cfg.RequestTimeout, Name: "request_timeout"},
		&config.DurationOpt{Duration: jcfg.LatestCache, Dst: &cfg.LatestCache, Name: "latest_cache"},
		&config.DurationOpt{Duration: jcfg.ReconnectWait, Dst: &cfg.ReconnectWait, Name: "reconnect_wait"},
	)
	if err != nil {
		return err
	}
	return cfg.Validate()
}

// ToJSON writes the section as it appears in service.json.
func (cfg *Config) ToJSON() ([]byte, error) {
	return config.DefaultJSONMarshal(cfg.toJSONConfig())
}

// ToDisplayJSON writes the section with the password hidden.
func (cfg *Config) ToDisplayJSON() ([]byte, error) {
	return config.DisplayJSON(cfg.toJSONConfig())
}

func (cfg *Config) toJSONConfig() *jsonConfig {
	return &jsonConfig{
		NatsURL:         cfg.NatsURL,
		Prefix:          cfg.Prefix,
		Auth:            cfg.Auth,
		User:            cfg.User,
		Password:        cfg.Password,
		CredsFile:       cfg.CredsFile,
		ConnectTimeout:  cfg.ConnectTimeout.String(),
		RequestTimeout:  cfg.RequestTimeout.String(),
		LatestCache:     cfg.LatestCache.String(),
		ReconnectWait:   cfg.ReconnectWait.String(),
		AlertBuffer:     cfg.AlertBuffer,
		ExcludeSuspects: cfg.ExcludeSuspects,
	}
}
