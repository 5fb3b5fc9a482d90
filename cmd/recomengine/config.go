package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recomengine/recomengine/internal/auth"
)

// config is the whole configuration: RECOM_* environment first, then flags over it, with
// defaults that need nothing installed (DESIGN §1).
type config struct {
	Addr              string
	DatabaseURL       string
	RedisURL          string
	RedisPrefix       string
	TLSCertFile       string
	TLSKeyFile        string
	JWTSecret         string
	KeyPepper         string
	PublicURL         string
	LogLevel          string
	BcryptCost        int
	SuperAdminEmails  []string
	TrustedProxies    []netip.Prefix
	MaxBodyBytes      int64
	AutoMigrate       bool
	DebugAddr         string
	IngestFlushers    int
	IngestMaxDelay    time.Duration
	IngestMinInterval time.Duration
	IngestMaxBatch    int
	RollupInterval    time.Duration
}

// embedded reports whether the store is the SQLite file (the zero-install default).
func (c config) embedded() bool { return strings.HasPrefix(c.DatabaseURL, "sqlite:") }

// sqlitePath is the file of a sqlite: URL.
func (c config) sqlitePath() string {
	p := strings.TrimPrefix(strings.TrimPrefix(c.DatabaseURL, "sqlite://"), "sqlite:")
	if p == "" {
		p = "data/recomengine.db"
	}
	return p
}

// loadConfig reads the environment, then the flags of the subcommand.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := config{
		Addr:        env("RECOM_ADDR", "127.0.0.1:8080"),
		DatabaseURL: env("RECOM_DATABASE_URL", "sqlite:data/recomengine.db"),
		RedisURL:    env("RECOM_REDIS_URL", ""),
		RedisPrefix: env("RECOM_REDIS_PREFIX", "recom:"),
		TLSCertFile: env("RECOM_TLS_CERT_FILE", ""),
		TLSKeyFile:  env("RECOM_TLS_KEY_FILE", ""),
		JWTSecret:   getenv("RECOM_JWT_SECRET"),
		KeyPepper:   getenv("RECOM_KEY_PEPPER"),
		PublicURL:   env("RECOM_PUBLIC_URL", ""),
		LogLevel:    env("RECOM_LOG_LEVEL", "info"),
		AutoMigrate: env("RECOM_AUTO_MIGRATE", "true") != "false",
		DebugAddr:   env("RECOM_DEBUG_ADDR", ""),
	}
	var errs []error
	var err error
	if c.BcryptCost, err = strconv.Atoi(env("RECOM_BCRYPT_COST", "12")); err != nil || c.BcryptCost < 4 || c.BcryptCost > 31 {
		errs = append(errs, errors.New("RECOM_BCRYPT_COST must be an integer from 4 to 31"))
	}
	if c.IngestFlushers, err = strconv.Atoi(env("RECOM_INGEST_FLUSHERS", "2")); err != nil || c.IngestFlushers < 1 || c.IngestFlushers > 64 {
		errs = append(errs, errors.New("RECOM_INGEST_FLUSHERS must be an integer from 1 to 64"))
	}
	if c.IngestMaxBatch, err = strconv.Atoi(env("RECOM_INGEST_MAX_BATCH", "5000")); err != nil || c.IngestMaxBatch < 1 || c.IngestMaxBatch > 100_000 {
		errs = append(errs, errors.New("RECOM_INGEST_MAX_BATCH must be an integer from 1 to 100000"))
	}
	if c.IngestMaxDelay, err = time.ParseDuration(env("RECOM_INGEST_MAX_DELAY", "2ms")); err != nil || c.IngestMaxDelay < 0 || c.IngestMaxDelay > time.Second {
		errs = append(errs, errors.New("RECOM_INGEST_MAX_DELAY must be a duration from 0s to 1s, e.g. 2ms"))
	}
	if c.IngestMinInterval, err = time.ParseDuration(env("RECOM_INGEST_MIN_INTERVAL", "2ms")); err != nil || c.IngestMinInterval < 0 || c.IngestMinInterval > time.Second {
		errs = append(errs, errors.New("RECOM_INGEST_MIN_INTERVAL must be a duration from 0s to 1s, e.g. 2ms"))
	} else if c.IngestMinInterval > c.IngestMaxDelay {
		// A commit's first request waits at most MaxDelay, so a longer interval would
		// silently not be kept.
		errs = append(errs, errors.New("RECOM_INGEST_MIN_INTERVAL must not exceed RECOM_INGEST_MAX_DELAY"))
	}
	if c.RollupInterval, err = time.ParseDuration(env("RECOM_ROLLUP_INTERVAL", "5s")); err != nil || c.RollupInterval < 100*time.Millisecond || c.RollupInterval > time.Hour {
		errs = append(errs, errors.New("RECOM_ROLLUP_INTERVAL must be a duration from 100ms to 1h, e.g. 5s"))
	}
	if c.MaxBodyBytes, err = strconv.ParseInt(env("RECOM_MAX_BODY_BYTES", "1048576"), 10, 64); err != nil || c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("RECOM_MAX_BODY_BYTES must be an integer of at least 1024"))
	}
	for _, e := range strings.Split(getenv("RECOM_SUPER_ADMIN_EMAILS"), ",") {
		if e = auth.NormalizeEmail(e); e != "" {
			c.SuperAdminEmails = append(c.SuperAdminEmails, e)
		}
	}
	for _, p := range strings.Split(getenv("RECOM_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if addr, aerr := netip.ParseAddr(p); aerr == nil {
			addr = addr.Unmap()
			prefix, err = addr.Prefix(addr.BitLen())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("RECOM_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range such as 10.0.0.0/8", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (RECOM_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "sqlite:FILE or postgres://… (RECOM_DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "redis://… ; empty: in-process (RECOM_REDIS_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (RECOM_LOG_LEVEL)")
	fs.BoolVar(&c.AutoMigrate, "migrate", c.AutoMigrate, "apply schema migrations at start (RECOM_AUTO_MIGRATE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %v", fs.Args()))
	}
	if !c.embedded() && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		c.DatabaseURL = "" // never echo a URL that may hold a password
		errs = append(errs, errors.New("RECOM_DATABASE_URL must be sqlite:FILE or postgres://…"))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("set both RECOM_TLS_CERT_FILE and RECOM_TLS_KEY_FILE, or neither"))
	}
	return c, errors.Join(errs...)
}

// secrets returns the JWT secret and the API-key pepper. In production (PostgreSQL) both
// must be configured; in embedded mode the missing ones are generated once and kept in
// the data folder, so restarts keep sessions and keys valid.
func (c config) secrets() (jwtSecret, pepper []byte, err error) {
	if !c.embedded() {
		var missing []string
		if len(c.JWTSecret) < 32 {
			missing = append(missing, "RECOM_JWT_SECRET")
		}
		if len(c.KeyPepper) < 32 {
			missing = append(missing, "RECOM_KEY_PEPPER")
		}
		if len(missing) > 0 {
			return nil, nil, fmt.Errorf("production mode (PostgreSQL) needs %s set to at least 32 random characters each, "+
				"e.g. `openssl rand -hex 32`; they are never generated there so every node shares them", strings.Join(missing, " and "))
		}
		return []byte(c.JWTSecret), []byte(c.KeyPepper), nil
	}
	path := filepath.Join(filepath.Dir(c.sqlitePath()), "secrets.json")
	var kept struct {
		JWTSecret string `json:"jwtSecret"`
		KeyPepper string `json:"keyPepper"`
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &kept); err != nil {
			return nil, nil, fmt.Errorf("config: read %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if kept.JWTSecret == "" || kept.KeyPepper == "" {
		kept.JWTSecret, kept.KeyPepper = randomHex(32), randomHex(32)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("config: create data folder: %w", err)
		}
		b, _ := json.Marshal(kept)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, nil, fmt.Errorf("config: keep secrets: %w", err)
		}
	}
	jwtSecret, pepper = []byte(kept.JWTSecret), []byte(kept.KeyPepper)
	if c.JWTSecret != "" {
		jwtSecret = []byte(c.JWTSecret)
	}
	if c.KeyPepper != "" {
		pepper = []byte(c.KeyPepper)
	}
	if len(jwtSecret) < 32 || len(pepper) < 32 {
		return nil, nil, errors.New("RECOM_JWT_SECRET and RECOM_KEY_PEPPER must be at least 32 characters")
	}
	return jwtSecret, pepper, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
