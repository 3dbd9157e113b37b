// Bundle-time stand-in for `ajv/dist/2020.js` (sink-app/build.mjs): @platformatic/kafka compiles
// about 40 option validators when it is imported, each into generated code, of which the
// sink-app calls a handful. This Ajv compiles a schema on its validator's first call instead:
// the same validation, and its errors, for the validators that run; nothing for the others.

import { Ajv2020 as EagerAjv2020 } from "ajv/dist/2020.js";

export class Ajv2020 extends EagerAjv2020 {
  compile(schema, meta) {
    let compiled;
    const validate = (data, ...rest) => {
      compiled ??= super.compile(schema, meta);
      const valid = compiled(data, ...rest);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null;
    validate.schema = schema;
    return validate;
  }
}

export default Ajv2020;
