//! The repository explains itself: the state machine in `docs/architecture.md` is the one in the
//! code, every relative link in its Markdown resolves, and nothing points at files it does not hold.

use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- state-machine:begin -->\n";
const END: &str = "<!-- state-machine:end -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's own files (no build output, dependencies or local data).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules" | "data" | "vendor") {
                files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_state_machine_table_in_the_docs_is_the_one_in_the_code() {
    let path = root().join("docs/architecture.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc.find(BEGIN).expect("the begin marker") + BEGIN.len();
    let end = doc.find(END).expect("the end marker");
    let table = adbridge::domain::orders::table::markdown_table();
    if std::env::var("UPDATE_DOCS").is_ok() {
        std::fs::write(&path, format!("{}{}{}", &doc[..start], table, &doc[end..])).unwrap();
        return;
    }
    assert_eq!(&doc[start..end], table, "docs/architecture.md is out of date: run UPDATE_DOCS=1 cargo test --test api docs");
}

#[test]
fn every_relative_link_in_the_markdown_resolves() {
    let mut all = Vec::new();
    files(&root(), &mut all);
    let mut broken = Vec::new();
    for md in all.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(md).unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            let target = target.split('#').next().unwrap().trim();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if !md.parent().unwrap().join(target).exists() {
                broken.push(format!("{}: {target}", md.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "links to files that are not in the repository: {broken:#?}");
}

#[test]
fn nothing_refers_to_design_notes_outside_the_repository() {
    let outside = [concat!("DESIGN", ".md"), concat!("STACK_NOTES", ".md")];
    let mut all = Vec::new();
    files(&root(), &mut all);
    let mut found = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for name in outside {
            if text.contains(name) {
                found.push(format!("{} mentions {name}", file.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
