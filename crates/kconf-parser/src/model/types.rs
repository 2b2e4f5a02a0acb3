//! Small value types shared by every section of the model.

use std::fmt;

use crate::diagnostic::Location;

/// A value and where it was written. Two `Located` values are equal when
/// their values are: a configuration written back and read again is the same
/// configuration although every location moved.
#[derive(Clone)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written, when it came from a file.
    pub location: Option<Location>,
}

impl<T> Located<T> {
    /// A value with its location.
    pub fn new(value: T, location: Option<Location>) -> Self {
        Located { value, location }
    }

    /// A value made in code, with no location.
    pub fn bare(value: T) -> Self {
        Located {
            value,
            location: None,
        }
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Located<T> {}

impl<T: fmt::Debug> fmt::Debug for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A script or program to run, as the notify and check keywords take it:
/// `keyword "COMMAND ARGS" [USER [GROUP]]`. Like [`Located`], two scripts
/// are equal when everything but their location is.
#[derive(Debug, Clone)]
pub struct Script {
    /// The command line; keepalived splits it at unquoted white space.
    pub command: String,
    /// The user to run it as (default: `script_user`).
    pub user: Option<String>,
    /// The group to run it as (default: the user's group).
    pub group: Option<String>,
    /// Where the command was written.
    pub location: Option<Location>,
}

impl Script {
    /// A script made in code, with no location.
    pub fn new(command: impl Into<String>) -> Self {
        Script {
            command: command.into(),
            user: None,
            group: None,
            location: None,
        }
    }
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        (&self.command, &self.user, &self.group) == (&other.command, &other.user, &other.group)
    }
}

impl Eq for Script {}

/// A tracked object's weight: `weight N [reverse]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weight {
    /// The weight; 0 means the tracked object failing faults the instance.
    pub value: i32,
    /// `reverse`: the weight applies when the object is up instead of down.
    pub reverse: bool,
}
