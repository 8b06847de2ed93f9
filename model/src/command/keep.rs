//! Writing a record without settling what two members wrote at once.
//!
//! A command writes a whole record back (autosurgeon reconciles it), and a single value
//! two members changed at the same time holds both versions until someone keeps one. A
//! plain write of the version the set shows would settle that silently (Automerge drops
//! the other version), so every record is written through [`Keeping`], which leaves a
//! value alone when it is unchanged and another version stands beside it. Only
//! [`Command::Keep`](super::Command::Keep) and a new value settle one.

use std::ops::RangeBounds;

use automerge::transaction::Transaction;
use automerge::{AutomergeError, ObjId, Prop, ScalarValue, Value};
use autosurgeon::{Doc, ReadDoc};

/// A transaction that writes only what changed.
pub(crate) struct Keeping<'a, 'b>(pub(crate) &'a mut Transaction<'b>);

impl Keeping<'_, '_> {
    /// Whether writing `value` at `obj[prop]` would change nothing the set shows while
    /// settling a value that has more than one version.
    fn would_settle(&self, obj: &ObjId, prop: &Prop, value: &ScalarValue) -> bool {
        let Ok(versions) = automerge::ReadDoc::get_all(&*self.0, obj, prop.clone()) else {
            return false;
        };
        versions.len() > 1
            && matches!(
                automerge::ReadDoc::get(&*self.0, obj, prop.clone()),
                Ok(Some((Value::Scalar(shown), _))) if shown.as_ref() == value
            )
    }
}

impl ReadDoc for Keeping<'_, '_> {
    type Parents<'c>
        = automerge::Parents<'c>
    where
        Self: 'c;

    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        ReadDoc::get_heads(&*self.0)
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        ReadDoc::get(&*self.0, obj, prop)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<automerge::ObjType> {
        ReadDoc::object_type(&*self.0, obj)
    }

    fn map_range<'c, O: AsRef<ObjId>, R>(
        &'c self,
        obj: O,
        range: R,
    ) -> automerge::iter::MapRange<'c>
    where
        R: RangeBounds<String> + 'c,
    {
        ReadDoc::map_range(&*self.0, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        ReadDoc::list_range(&*self.0, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        ReadDoc::length(&*self.0, obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        ReadDoc::text(&*self.0, obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        ReadDoc::parents(&*self.0, obj)
    }

    fn is_empty(&self) -> bool {
        ReadDoc::is_empty(&*self.0)
    }
}

impl Doc for Keeping<'_, '_> {
    fn put<O: AsRef<ObjId>, P: Into<Prop>, V: Into<ScalarValue>>(
        &mut self,
        obj: O,
        prop: P,
        value: V,
    ) -> Result<(), AutomergeError> {
        let (prop, value) = (prop.into(), value.into());
        if self.would_settle(obj.as_ref(), &prop, &value) {
            return Ok(());
        }
        Doc::put(&mut *self.0, obj, prop, value)
    }

    fn put_object<O: AsRef<ObjId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: automerge::ObjType,
    ) -> Result<ObjId, AutomergeError> {
        Doc::put_object(&mut *self.0, obj, prop, value)
    }

    fn insert<O: AsRef<ObjId>, V: Into<ScalarValue>>(
        &mut self,
        obj: O,
        index: usize,
        value: V,
    ) -> Result<(), AutomergeError> {
        Doc::insert(&mut *self.0, obj, index, value)
    }

    fn insert_object<O: AsRef<ObjId>>(
        &mut self,
        obj: O,
        index: usize,
        value: automerge::ObjType,
    ) -> Result<ObjId, AutomergeError> {
        Doc::insert_object(&mut *self.0, obj, index, value)
    }

    fn increment<O: AsRef<ObjId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: i64,
    ) -> Result<(), AutomergeError> {
        Doc::increment(&mut *self.0, obj, prop, value)
    }

    fn delete<O: AsRef<ObjId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
    ) -> Result<(), AutomergeError> {
        Doc::delete(&mut *self.0, obj, prop)
    }

    fn splice_text<O: AsRef<ObjId>>(
        &mut self,
        obj: O,
        pos: usize,
        del: isize,
        text: &str,
    ) -> Result<(), AutomergeError> {
        Doc::splice_text(&mut *self.0, obj, pos, del, text)
    }

    fn update_text<O: AsRef<ObjId>>(&mut self, obj: O, text: &str) -> Result<(), AutomergeError> {
        Doc::update_text(&mut *self.0, obj.as_ref(), text)
    }

    fn batch_create<O: AsRef<ObjId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: automerge::hydrate::Value,
        insert: bool,
    ) -> Result<(), AutomergeError> {
        Doc::batch_create(&mut *self.0, obj, prop, value, insert)
    }

    fn init_root_from_hydrate(
        &mut self,
        value: &automerge::hydrate::Map,
    ) -> Result<(), AutomergeError> {
        Doc::init_root_from_hydrate(&mut *self.0, value)
    }
}
