// Runs the @nestjs/swagger CLI plugin under ts-jest, as `nest build` does (nest-cli.json),
// so that the OpenAPI document in the e2e suites is the one the built service serves.
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler, options) => plugin.before(options, compiler.program);
