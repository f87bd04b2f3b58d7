"""Creative tests: bandit maths (pure numpy), the test lifecycle and decisions, platform report
import, the offline simulator and their queries."""
