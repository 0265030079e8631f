import { fuzzRoutes } from './routes'
import { configs } from './setup'

// API key, CORS allow-list with credentials, authenticate and authorize hooks, 8 KiB bodies
fuzzRoutes(configs.keyed)
