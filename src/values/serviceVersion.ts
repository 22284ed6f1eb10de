import pkg from '../../package.json' with { type: 'json' };

/** The version of accrue (package.json): `accrue --version` and `GET /`. */
export const SERVICE_VERSION: string = pkg.version;
