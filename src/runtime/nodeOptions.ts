/**
 * V8 heap settings for the bus processes (`accrue relay`, `accrue worker`), as
 * docker-compose.yml gives them in NODE_OPTIONS and `npm run bench` runs its relay and
 * worker (docs/performance.md, worker RSS): a 4 MiB young-generation semispace (V8
 * grows its default to 16 MiB and more, and a worker's short-lived batch objects keep
 * it full) and a 192 MiB old-generation cap, by which V8 also paces its collections.
 * Draining 50,000 events: peak worker RSS 347 → 157 MiB with CPU per event unchanged.
 * Node reads these only at start, so they cannot be set from inside the process. The
 * API and `accrue start` keep V8's defaults: a report or a rebuild may need more heap.
 */
export const BUS_NODE_OPTIONS = '--max-semi-space-size=4 --max-old-space-size=192';
