// Package scheduler turns each enabled manager's schedule into poll tasks:
// robfig/cron ticks, asynq enqueues, and a tick's task has one id in every
// process, so N replicas on one Redis poll a manager once per tick.
package scheduler
