//! The pest grammar (grammar.pest), compiled.

// pest_derive generates the `Rule` enum without docs; its variants are the
// rule names of grammar.pest.
#[allow(missing_docs, unreachable_pub)]
mod generated {
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar.pest"]
    pub(crate) struct Grammar;
}

pub(crate) use generated::{Grammar, Rule};
