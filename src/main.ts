/** Process entry point for `npm start` and `npx cx280`: runs the CLI and reports failures plainly. */
import { buildCli } from './cli.ts'
import { AppError } from './errors.ts'

function describe(error: unknown): string {
  if (error instanceof AppError) return 'fields' in error ? `${error.message} ${JSON.stringify(error.fields)}` : error.message
  return error instanceof Error ? error.message : String(error)
}

buildCli().parseAsync(process.argv).catch((error: unknown) => {
  console.error(describe(error))
  process.exit(1)
})
