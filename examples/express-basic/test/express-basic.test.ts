import { describeBasicExample } from '../../../test/support/basic-example.ts';

describeBasicExample('express-basic');
