package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func bind(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Default()
	if err := c.Bind(fs, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	return c, fs.Parse(args)
}

func TestFlagsOverrideEnvironmentOverridesDefaults(t *testing.T) {
	c, err := bind(t, map[string]string{"CHENGGUAN_ADDR": "0.0.0.0:9000", "CHENGGUAN_SESSION_IDLE": "30m"}, "--addr", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Errorf("addr: got %q, want the flag's value", c.Addr)
	}
	if c.SessionIdle != 30*time.Minute {
		t.Errorf("session-idle: got %v, want the environment's 30m", c.SessionIdle)
	}
	if c.DB != Default().DB {
		t.Errorf("db: got %q, want the default", c.DB)
	}
}

func TestBadEnvironmentValueNamesTheVariable(t *testing.T) {
	_, err := bind(t, map[string]string{"CHENGGUAN_MAX_BODY_BYTES": "lots"})
	if err == nil || !strings.Contains(err.Error(), "CHENGGUAN_MAX_BODY_BYTES") {
		t.Fatalf("got %v, want an error naming CHENGGUAN_MAX_BODY_BYTES", err)
	}
}

func TestValidateRefusesSettingsThatCannotWork(t *testing.T) {
	cases := map[string]func(*Config){
		"addr":             func(c *Config) { c.Addr = "8080" },
		"log-level":        func(c *Config) { c.LogLevel = "verbose" },
		"session-idle":     func(c *Config) { c.SessionIdle = 24 * time.Hour },
		"login-lock-after": func(c *Config) { c.LoginLockAfter = c.LoginSlowAfter },
		"max-body-bytes":   func(c *Config) { c.MaxBodyBytes = 10 },
		"trusted-origins":  func(c *Config) { c.TrustedOrigins = "cg.example.gov.cn" },
		"db":               func(c *Config) { c.DB = " " },
	}
	for name, breakIt := range cases {
		c := Default()
		breakIt(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error about %s", name, err, name)
		}
	}
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestMaskHidesPasswords(t *testing.T) {
	cases := map[string]string{
		"postgres://cg:s3cret@db/cg?sslmode=disable":          "postgres://cg:xxxxx@db/cg?sslmode=disable",
		"postgres://cg@db/cg?password=s3cret&sslmode=require": "postgres://cg@db/cg?password=xxxxx&sslmode=require",
		"data/chengguan.db": "data/chengguan.db",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
