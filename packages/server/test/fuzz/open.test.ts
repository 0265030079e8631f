import { fuzzRoutes } from './routes'
import { configs } from './setup'

// open publish, CORS off, 256 KiB bodies, at most 4 connections
fuzzRoutes(configs.open)
