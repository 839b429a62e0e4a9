// Package redisconn builds Earshot's Redis clients from the configuration:
// one node (redis.url), a Redis Cluster (redis.cluster) or a
// Sentinel-guarded primary (redis.sentinel). Every part of Earshot that
// talks to Redis, asynq included, gets its client here, so all of them
// reach the same Redis the same way.
package redisconn
