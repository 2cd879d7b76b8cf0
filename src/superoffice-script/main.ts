// Bundle entry: the script runs top to bottom, once per request.
import { runEndpoint } from './endpoint';

await runEndpoint();
