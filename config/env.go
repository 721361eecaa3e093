package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// EnvPrefix starts the name of every environment variable orderhub reads.
// The names themselves are the `env` (and `envPrefix`) struct tags above,
// read by github.com/caarlos0/env: a new key gets its variable by a tag.
const EnvPrefix = "ORDERHUB_"

// EnvNames lists the environment variables orderhub reads, from the struct
// tags; docs/configuration.md must document each one.
func EnvNames() []string {
	params, err := env.GetFieldParamsWithOptions(&Config{}, env.Options{Prefix: EnvPrefix, Environment: map[string]string{}})
	if err != nil {
		panic(fmt.Sprintf("config: struct tags: %v", err)) // a tag typo, caught by every test
	}
	var names []string
	for _, p := range params {
		if p.OwnKey != "" {
			names = append(names, p.Key)
		}
	}
	return names
}

// DynamicEnv is an environment variable whose name carries a key that only
// the configuration knows (a map keyed by name, e.g. one secret per
// channel: ORDERHUB_CHANNEL_<KEY>_SECRET). Struct tags cannot name those,
// so each is one small hand-written entry of dynamicEnv: Pattern is the
// name as documented (the docs test checks it), Apply reads the variables
// for the keys already in c after the file is read.
type DynamicEnv struct {
	Pattern string
	Apply   func(c *Config, getenv func(string) string) error
}

// dynamicEnv lists the variables with computed names, in the order
// docs/configuration.md documents them.
var dynamicEnv = []DynamicEnv{
	{Pattern: "ORDERHUB_CHANNEL_<KEY>_SECRET", Apply: applyChannelEnv},
}

// ChannelSecretEnv names the variable that holds a channel's secret.
func ChannelSecretEnv(key string) string {
	return "ORDERHUB_CHANNEL_" + strings.ToUpper(key) + "_SECRET"
}

// applyChannelEnv reads ORDERHUB_CHANNEL_<KEY>_SECRET for every channel the
// YAML declares. A secret for a channel the YAML does not declare is not
// read, so a typo in a key cannot open an endpoint nobody configured.
func applyChannelEnv(c *Config, getenv func(string) string) error {
	for key, ch := range c.Channels {
		if v := getenv(ChannelSecretEnv(key)); v != "" {
			ch.Secret = v
			c.Channels[key] = ch
		}
	}
	return nil
}

// DynamicEnvPatterns lists the documented names of the computed variables.
func DynamicEnvPatterns() []string {
	out := make([]string, len(dynamicEnv))
	for i, d := range dynamicEnv {
		out[i] = d.Pattern
	}
	return out
}

// applyEnv overlays the environment onto c. An empty variable counts as
// unset. Each set variable is parsed on its own so an error names it.
func applyEnv(c *Config, getenv func(string) string) error {
	for _, name := range EnvNames() {
		v := getenv(name)
		if v == "" {
			continue
		}
		opts := env.Options{Prefix: EnvPrefix, Environment: map[string]string{name: v}}
		if err := env.ParseWithOptions(c, opts); err != nil {
			return fmt.Errorf("config: %s: %q %s", name, v, envReason(err))
		}
	}
	for _, d := range dynamicEnv {
		if err := d.Apply(c, getenv); err != nil {
			return err
		}
	}
	return nil
}

// envReason says in words what a variable's value should have been.
func envReason(err error) string {
	var pe env.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	switch {
	case pe.Type == reflect.TypeOf(Duration(0)):
		return "is not a duration like 30s or 2h"
	case pe.Type.Kind() == reflect.Bool:
		return "is not true or false"
	case pe.Type.Kind() >= reflect.Int && pe.Type.Kind() <= reflect.Uint64:
		return "is not a number"
	}
	return pe.Err.Error()
}
