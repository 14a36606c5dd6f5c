// Package configs embeds the default mapping tables, so a gateway started
// from any directory has them; mappings_dir in the configuration replaces
// them with a folder on disk.
//
// It owns data only: mapping and config read it.
package configs
