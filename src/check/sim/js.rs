//! `Sim::register_js`: a class of a JavaScript or TypeScript module, bound
//! as a namespace like a Rust class.

use super::Sim;
use crate::js::{JsModule, JsObject};
use crate::runtime::error::Result;
use crate::runtime::namespace::ObjectNamespace;

impl Sim {
    /// Registers the class `class` exported by `module` as the namespace
    /// `binding`; its stubs call methods with
    /// [`Stub::call_js`](crate::Stub::call_js). A class the module does not
    /// export, or a module that does not load, fails every call with the
    /// JavaScript error (the harness goes on).
    pub fn register_js(
        &self,
        binding: &str,
        module: &JsModule,
        class: &str,
    ) -> Result<ObjectNamespace<JsObject>> {
        let factory = JsObject::factory(module.clone(), class.to_string(), binding.to_string());
        self.register_with::<JsObject>(binding, factory)
    }
}
