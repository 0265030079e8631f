import { fuzzRoutes } from './routes'
import { configs } from './setup'

// history rules (embedded): resumes, rewinds, Last-Event-IDs and keys against topics that keep events,
// with a witness subscribed to one of them through the whole run
fuzzRoutes(configs.history)
