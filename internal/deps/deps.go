// Package deps pins the project's dependencies in go.mod while the packages
// that use them are being written. It is removed once every one is imported.
package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/go-resty/resty/v2"
	_ "github.com/hibiken/asynq"
	_ "github.com/jonreiter/govader"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/robfig/cron/v3"
	_ "github.com/sashabaranov/go-openai"
	_ "github.com/standard-webhooks/standard-webhooks/libraries/go"
	_ "go.yaml.in/yaml/v3"
)
