package config

// applyTracingEnv applies the standard OTEL_* variables over the
// `tracing:` section (see tracing.Config.ApplyEnv).
func (p *parser) applyTracingEnv(c *TracingConfig) {
	for _, pr := range c.ApplyEnv(p.lookupEnv) {
		p.problem(0, "", "environment variable "+pr.Env+": "+pr.Message)
	}
}

// validateTracing reports what is wrong with the `tracing:` section, at
// its fields, or at the variable a value came from.
func (p *parser) validateTracing(c *TracingConfig) {
	for _, pr := range c.Check() {
		if pr.Env != "" {
			p.problem(0, "", "environment variable "+pr.Env+": "+pr.Message)
			continue
		}
		p.problemAt(fieldPath("tracing", pr.Field), pr.Message)
	}
}
