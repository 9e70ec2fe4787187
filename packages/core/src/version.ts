/** This copy's @dynotel/core version; a unit test keeps it equal to package.json's `version`. */
export const VERSION = '0.1.0';
