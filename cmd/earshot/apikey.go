package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earshothq/earshot/config"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/redisconn"
	"github.com/earshothq/earshot/store"
)

const apikeyUsage = `Usage:
  earshot apikey create --namespace NS [--config FILE]   print a new key for namespace NS (shown once)
  earshot apikey create --admin [--config FILE]          print a new admin key (shown once)
  earshot apikey list [--namespace NS] [--config FILE]   list keys by id (never the keys)
  earshot apikey revoke ID [--config FILE]               revoke a key by the id list shows

The Redis is REDIS_URL, or the config file's redis.url. Keys are stored
only as SHA-256 digests: a lost key cannot be shown again, only revoked.
`

// cmdAPIKey manages API keys in the Redis a running earshot uses.
func cmdAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, apikeyUsage)
		return exitError(exitUsage)
	}
	sub, args := args[0], args[1:]
	// The command is checked before anything touches Redis.
	positional := 0
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, apikeyUsage)
		return nil
	case "create", "list":
	case "revoke":
		positional = 1
	default:
		fmt.Fprintf(stderr, "earshot apikey: unknown command %q\n\n%s", sub, apikeyUsage)
		return exitError(exitUsage)
	}
	fs := flag.NewFlagSet("apikey "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, apikeyUsage) }
	path := fs.String("config", "", "configuration file (YAML), for redis.url")
	ns := fs.String("namespace", "", "the namespace the key may use")
	admin := fs.Bool("admin", false, "an admin key (every namespace, and namespaces themselves)")
	rest, err := parseArgs(fs, args, positional)
	if err != nil {
		return err
	}
	if len(rest) != positional {
		return usagef("apikey "+sub, "give the id of the key to revoke (see earshot apikey list)")
	}
	if sub == "create" && *admin == (*ns != "") {
		return usagef("apikey create", "give exactly one of --namespace NS and --admin")
	}
	st, closeStore, err := openStore(ctx, *path)
	if err != nil {
		return err
	}
	defer closeStore()

	switch sub {
	case "create":
		if *ns != "" {
			if err := models.ValidID(*ns); err != nil {
				return fmt.Errorf("--namespace: %w", err)
			}
			if _, err := st.GetNamespace(ctx, *ns); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("namespace %q does not exist: declare it in the config file (and start earshot once) or create it with POST /v1/namespaces", *ns)
			} else if err != nil {
				return err
			}
		}
		key := store.NewAPIKey()
		rec, err := st.AddAPIKey(ctx, key, *ns, store.KeyFromCLI)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		scope := "admin"
		if *ns != "" {
			scope = "namespace " + *ns
		}
		fmt.Fprintf(stderr, "API key %s created for %s. It is shown only this once: store it now.\n", rec.ID, scope)
		return nil
	case "list":
		keys, err := st.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSCOPE\tORIGIN\tCREATED")
		for _, k := range keys {
			if *ns != "" && k.Namespace != *ns {
				continue
			}
			scope := "namespace " + k.Namespace
			if k.Admin {
				scope = "admin"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, scope, k.Origin, k.CreateTime.Format(time.RFC3339))
		}
		return tw.Flush()
	case "revoke":
		n, err := st.RevokeAPIKey(ctx, rest[0])
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no API key has id %q (see earshot apikey list)", rest[0])
		}
		fmt.Fprintf(stderr, "API key %s revoked. A key from the config file comes back at the next start unless it is removed there.\n", rest[0])
		return nil
	}
	return nil
}

// openStore connects to the Redis of REDIS_URL or of the config file. An
// embedded Redis would be pointless: a key made there is gone at exit.
func openStore(ctx context.Context, path string) (*store.Store, func(), error) {
	rc := redisFromEnv()
	if rc == nil && path != "" {
		cfg, err := loadConfig("apikey", path)
		if err != nil {
			return nil, nil, err
		}
		rc = &cfg.Redis
	}
	if rc == nil || rc.Empty() {
		return nil, nil, errors.New("no Redis to store the key in: set REDIS_URL, or give --config with redis.url, redis.cluster or redis.sentinel (an embedded Redis forgets keys at exit)")
	}
	target, err := redisconn.New(*rc)
	if err != nil {
		return nil, nil, err
	}
	rdb := target.NewClient()
	st := store.New(rdb)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return st, func() { _ = rdb.Close() }, nil
}

// redisFromEnv returns the Redis that REDIS_URL or REDIS_CLUSTER_ADDRS
// names, or nil.
func redisFromEnv() *config.RedisConfig {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return &config.RedisConfig{URL: u}
	}
	if a := os.Getenv("REDIS_CLUSTER_ADDRS"); strings.TrimSpace(a) != "" {
		var addrs []string
		for s := range strings.SplitSeq(a, ",") {
			if s = strings.TrimSpace(s); s != "" {
				addrs = append(addrs, s)
			}
		}
		return &config.RedisConfig{Cluster: &config.RedisClusterConfig{Addrs: addrs}}
	}
	return nil
}
