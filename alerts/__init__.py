"""Press alerts: rules kept as data (alerts/rules/*.toml), evaluated over the stored articles, kept as
deduplicated alert records, and sent through channels (in-app list, e-mail)."""
