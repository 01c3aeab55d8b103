//! Generates the response models from the JSON Schemas in `schema/`.
//!
//! typify does not follow references across files, so the schemas are merged
//! into one root schema first: each file's top-level schema becomes the
//! definition named by its `title`, each file's own `definitions` are hoisted,
//! and every `$ref` is rewritten to point into the merged `definitions`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::{env, fs};

use serde_json::{Map, Value};
use typify::{TypeSpace, TypeSpaceSettings};

/// Schema definitions replaced by hand-written types from `src/model/wire.rs`.
const REPLACEMENTS: &[(&str, &str)] = &[
    ("Timestamp", "crate::model::Timestamp"),
    ("ConnectorState", "crate::model::ConnectorState"),
    ("AccountId", "crate::model::AccountId"),
    ("Flag", "crate::model::Flag"),
];

fn main() {
    println!("cargo:rerun-if-changed=schema");
    let files = schema_files(Path::new("schema"));
    for (path, _) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
    }

    let root = merge(&files);
    let root: schemars::schema::RootSchema =
        serde_json::from_value(root).expect("merged schema is not a valid JSON Schema");

    let mut settings = TypeSpaceSettings::default();
    settings.with_struct_builder(false).with_derive("PartialEq".to_string());
    for (name, path) in REPLACEMENTS {
        settings.with_replacement(*name, *path, std::iter::empty());
    }
    let mut space = TypeSpace::new(&settings);
    space.add_root_schema(root).expect("typify rejected the merged schema");

    let file = syn::parse2::<syn::File>(space.to_stream()).expect("typify emitted invalid Rust");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("models.rs");
    fs::write(&out, prettyplease::unparse(&file)).expect("cannot write OUT_DIR/models.rs");
}

/// Reads every `*.json` file of `dir`, sorted by name, as `(path, schema)`.
fn schema_files(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .expect("cannot read schema/")
        .map(|entry| entry.expect("cannot read an entry of schema/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();

    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let schema = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            (path, schema)
        })
        .collect()
}

/// Merges the schema files into one root schema with a flat `definitions`.
fn merge(files: &[(PathBuf, Value)]) -> Value {
    // File name -> title, so that `"$ref": "connector.json"` can be resolved.
    let titles: BTreeMap<String, String> =
        files.iter().map(|(path, schema)| (file_name(path), title(path, schema))).collect();

    let mut definitions = Map::new();
    for (path, schema) in files {
        let mut schema = schema.clone();
        rewrite_refs(&mut schema, &titles);
        let object = schema.as_object_mut().expect("a schema file holds an object");

        if let Some(Value::Object(local)) = object.remove("definitions") {
            for (name, definition) in local {
                insert_unique(&mut definitions, name, definition, path);
            }
        }
        object.remove("$schema");
        object.remove("$id");
        // A file with only `definitions` (wire.json) contributes no type of its own.
        if object.contains_key("type") {
            insert_unique(&mut definitions, title(path, &schema), schema, path);
        }
    }
    serde_json::json!({ "definitions": definitions })
}

fn insert_unique(definitions: &mut Map<String, Value>, name: String, value: Value, path: &Path) {
    if definitions.insert(name.clone(), value).is_some() {
        panic!("{}: definition `{name}` is defined twice across schema/", path.display());
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().expect("a schema file has a name").to_string_lossy().into_owned()
}

fn title(path: &Path, schema: &Value) -> String {
    schema["title"]
        .as_str()
        .unwrap_or_else(|| panic!("{} has no `title`", path.display()))
        .to_string()
}

/// Points every `$ref` at the merged root's `#/definitions/<Name>`.
fn rewrite_refs(value: &mut Value, titles: &BTreeMap<String, String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get_mut("$ref") {
                *target = resolve(target, titles);
            }
            object.values_mut().for_each(|v| rewrite_refs(v, titles));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, titles)),
        _ => {}
    }
}

fn resolve(target: &str, titles: &BTreeMap<String, String>) -> String {
    match target.split_once('#') {
        // Same-file or cross-file pointer into definitions: the names are global now.
        Some((_, pointer)) => format!("#{pointer}"),
        None => {
            let title = titles
                .get(target)
                .unwrap_or_else(|| panic!("`$ref: {target}` names no file in schema/"));
            format!("#/definitions/{title}")
        }
    }
}
