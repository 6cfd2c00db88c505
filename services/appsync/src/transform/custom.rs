//! Custom root fields declared in the input (`type Query { echo(...) @function(...) }`):
//! `@function` (Lambda, <https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/custom-business-logic/>)
//! keeps its arguments; `@http` moves URL path parameters (`:city`) into
//! `params: <Type><Field>ParamsInput!` and the remaining arguments into `query:` (GET/DELETE)
//! or `body:` (POST/PUT/PATCH) inputs; `@auth` on the field becomes multi-auth directives.
//!
//! Leaves out: executing them (Lambda / HTTP data sources are not emulated yet).

use super::auth::{AuthRule, AuthSettings};
use super::model::AMPLIFY_DIRECTIVES;
use super::sdl::{Field, InputValue, Kind, TypeDef};
use super::upper_first;

/// Transform one custom field of root type `type_name`; returns the field and any new inputs.
pub fn custom_field(type_name: &str, f: &Field, auth: &AuthSettings) -> (Field, Vec<TypeDef>) {
    let mut out = f.clone();
    let mut extra = Vec::new();
    if let Some(http) = f.directive("http") {
        let url = http.arg_str("url").unwrap_or_default();
        let method = http.arg_str("method").unwrap_or_else(|| "GET".into());
        let path_params: Vec<String> = url
            .split('/')
            .filter_map(|seg| seg.strip_prefix(':').map(|p| p.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_').to_string()))
            .collect();
        if !path_params.is_empty() {
            let prefix = format!("{type_name}{}", upper_first(&f.name));
            let mut params = TypeDef::new(Kind::Input, &format!("{prefix}ParamsInput"));
            let mut rest = TypeDef::new(Kind::Input, "");
            for a in &f.args {
                let field = Field::new(&a.name, &a.ty);
                if path_params.contains(&a.name) {
                    params.fields.push(field);
                } else {
                    rest.fields.push(field);
                }
            }
            out.args = vec![InputValue::new("params", &format!("{}!", params.name))];
            extra.push(params);
            if !rest.fields.is_empty() {
                let (arg, suffix) = match method.as_str() {
                    "POST" | "PUT" | "PATCH" => ("body", "BodyInput"),
                    _ => ("query", "QueryInput"),
                };
                rest.name = format!("{prefix}{suffix}");
                out.args.push(InputValue::new(arg, &rest.name));
                extra.push(rest);
            }
        }
    }
    out.directives.retain(|d| !AMPLIFY_DIRECTIVES.contains(&d.name.as_str()));
    if let Some(rules) = AuthRule::parse_all(&f.directives) {
        out.directives.extend(auth.directives(&auth.modes(Some(&rules), None)));
    }
    (out, extra)
}
