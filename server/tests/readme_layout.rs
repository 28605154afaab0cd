//! The README's layout table matches the tree: every path it names exists, and every
//! module of the server is named in it. A file added or moved without its row fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn layout_paths(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## Layout\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Layout section");
    let mut paths = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = row.split('|').nth(1).unwrap_or_default();
        for quoted in first_cell.split('`').skip(1).step_by(2) {
            // `server/src/{a,b}.rs` names several files.
            match quoted.split_once('{').zip(quoted.split_once('}')) {
                Some(((prefix, rest), (_, suffix))) => {
                    let names = rest.split('}').next().unwrap_or_default();
                    for name in names.split(',') {
                        paths.push(format!("{prefix}{name}{suffix}"));
                    }
                }
                None => paths.push(quoted.to_owned()),
            }
        }
    }
    paths
}

#[test]
fn every_path_in_the_layout_table_exists_and_every_server_module_is_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let paths = layout_paths(&readme);
    assert!(paths.len() > 10, "the table was not read: {paths:?}");
    let missing: Vec<&String> = paths.iter().filter(|p| !root.join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "the layout table names missing paths: {missing:?}"
    );

    let named: BTreeSet<&str> = paths.iter().map(|p| p.trim_end_matches('/')).collect();
    let mut unnamed = Vec::new();
    for entry in std::fs::read_dir(root.join("server/src")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "lib.rs" || name == "main.rs" {
            continue;
        }
        let path = format!("server/src/{name}");
        if !named.contains(path.as_str()) {
            unnamed.push(path);
        }
    }
    assert!(
        unnamed.is_empty(),
        "not in the README's layout table: {unnamed:?}"
    );
}
