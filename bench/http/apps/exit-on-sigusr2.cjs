// Preloaded by bench/http/profile.ts into a matrix app: SIGUSR2 exits the process normally, so node writes
// its --cpu-prof profile (a bare app has no SIGTERM handler, and dynotel's is the app's to keep).
process.on('SIGUSR2', () => process.exit(0));
