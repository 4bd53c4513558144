"""The `peuplement` console command."""
